/**
 * Keys a caller presses the way a person does: each key only once a prompt listens, and the next key
 * only after the prompt took the previous one. On a real call (and in the emulator) keys pressed while
 * no prompt collects digits are heard by the agent and the recording and are not kept for a later prompt.
 */
import type { EmulatedCall } from '../../sandbox/sma/emulator';

export async function keyIntoPrompts(call: EmulatedCall, keys: string, press: (key: string) => void | Promise<void>, timeoutMs = 20_000): Promise<void> {
  for (const key of keys) {
    if (key === 'h') {
      await press(key);
      continue;
    }
    await call.waitFor((c) => c.collectingDigits, timeoutMs);
    const before = call.keys.length;
    await press(key);
    await call.waitFor((c) => c.keys.length > before, timeoutMs);
  }
}

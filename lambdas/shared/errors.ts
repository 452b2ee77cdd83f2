/**
 * Error classes shared by the handlers. Every class's `.name` is its class name, set as a literal (a
 * minifier renames classes); the ones that cross the Step Functions boundary are named after their entry
 * in SESSION_ERROR. Messages say what went wrong and what to do next and never contain input values: an
 * input may be card data.
 */
import { SESSION_ERROR } from './session/contract';

/** Lambda configuration is missing or wrong; raised once, at start-up, naming every problem. */
export class ConfigurationError extends Error {
  public constructor(problems: string[]) {
    super(`Configuration is invalid: ${problems.join('; ')}. Fix the function's environment (set by the CDK stack or the sandbox).`);
    this.name = 'ConfigurationError';
  }
}

/** The vault has no usable item for a session (never written, expired, destroyed, or a wrong reference). */
export class VaultItemNotFoundError extends Error {
  public constructor() {
    super('No card data is held for this session: it was never captured, has expired or was destroyed. Start a new secure session.');
    this.name = 'VaultItemNotFoundError';
  }
}

/** Card data could not be encrypted or decrypted (KMS refused or the ciphertext does not match its session). */
export class VaultCryptoError extends Error {
  public constructor(operation: 'encrypt' | 'decrypt') {
    super(`Card data could not be ${operation}ed with the vault key. Check the key policy and that the session id matches.`);
    this.name = 'VaultCryptoError';
  }
}

/**
 * The agent cancelled before the caller reached card entry; GetKey fails with it so Abort explains the
 * cancel the same way whoever noticed it. Its name is the wire name SESSION_ERROR.agentCancelled.
 */
export class AgentCancelled extends Error {
  public constructor() {
    super('The agent cancelled the secure session before card entry began.');
    this.name = SESSION_ERROR.agentCancelled;
  }
}

/** The caller hung up after keying the card; InfoInsert ends the session before anything is sent. */
export class CallerHungUp extends Error {
  public constructor() {
    super('The caller hung up after keying the card; nothing was sent for validation.');
    this.name = SESSION_ERROR.callerHungUp;
  }
}

/** Begin refused the agent's request; the reason names fields and forms, never values. */
export class SessionRequestRefused extends Error {
  public constructor(reason: string) {
    super(reason);
    this.name = SESSION_ERROR.requestRefused;
  }
}

/** A failure's name only: safe to log and to pass on, since names never carry input. */
export function errorName(value: unknown): string {
  return value instanceof Error ? value.name : 'UnknownError';
}

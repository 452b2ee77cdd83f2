/**
 * Error classes shared by the handlers. Messages say what went wrong and what to do next and never
 * contain input values: an input may be card data.
 */

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
    this.name = 'AgentCancelled';
  }
}

/** Narrows an unknown caught value to an Error without trusting its message. */
export function assertIsError(value: unknown): asserts value is Error {
  if (!(value instanceof Error)) throw new Error('A non-Error value was thrown');
}

/** A failure's name only: safe to log and to pass on, since names never carry input. */
export function errorName(value: unknown): string {
  return value instanceof Error ? value.name : 'UnknownError';
}

/**
 * Why the agent API refused a request: a stable code the console can switch on, the HTTP status it maps
 * to, and a reason an agent can read. Reasons name fields and forms, never values the agent typed.
 */

export const REFUSALS = {
  unauthenticated: 401,
  'bad-request': 400,
  'no-right': 403,
  'form-not-assigned': 403,
  'not-your-session': 403,
  'not-your-interaction': 403,
  /** The server cannot tell which agent answered the call, so nobody may act on it. */
  'owner-unknown': 403,
  'unknown-session': 404,
  'unknown-interaction': 404,
  conference: 409,
  'session-running': 409,
  'not-connected': 409,
  'not-cancellable': 409,
  'not-retryable': 409,
  /** The payment may have been charged: only a resend with the same payment reference is allowed. */
  'outcome-unknown': 409,
  'not-capturing': 409,
  'not-finished': 409,
  /** The request needs a telephony adapter this deployment does not have (a Chime-only action on a Connect-only stack). */
  'telephony-unavailable': 409,
  'invalid-fields': 422,
} as const;
export type RefusalCode = keyof typeof REFUSALS;

export class AgentRequestRefusedError extends Error {
  public readonly status: number;

  public constructor(
    public readonly code: RefusalCode,
    reason: string,
    public readonly problems: string[] = [],
  ) {
    super(reason);
    this.name = 'AgentRequestRefusedError';
    this.status = REFUSALS[code];
  }
}

/** The body of every refusal: `{ error: code, reason, problems }`. */
export interface RefusalBody {
  error: RefusalCode | 'not-found' | 'internal-error';
  reason: string;
  problems: string[];
}

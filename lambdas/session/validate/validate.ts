/**
 * The Validate stage: opens the session's card data, sends it with the agent's form fields to the
 * merchant's validation service once, and turns whatever comes back into an accepted / declined
 * result with a reason fit for the agent's screen.
 *
 * The clear card values live only in local variables while the request is built and sent; they are
 * never logged, never put into an error and never returned. A submission is marked in the vault
 * before it is sent, so a retried stage never sends the payment a second time, and the security code
 * is dropped from the vault once the attempt is over, whatever happened.
 *
 * The service's details are untrusted: while the card data is still in memory, every echo of it (in
 * any script, spacing or character reference) is masked, and the result says how many places were
 * masked so the audit trail can record it (a count, never the text). A gateway token in the reply's `token`
 * attribute is checked the same way while the card is at hand (syntax, the shared card detector, the echo
 * guard); a token that fails is dropped and the details say so, the outcome stands.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { errorName, VaultItemNotFoundError } from '../../shared/errors';
import { OUTCOME_UNKNOWN_TEXT, type Outcome, type ValidateInput, type ValidationResult } from '../../shared/session/contract';
import { forgetSecurityCode, markSubmitted, openCard, type OpenedCard, type VaultDeps } from '../../shared/vault';
import type { CardFieldNames } from '../../validator/card-field-names';
import type { ExchangeResult, ValidationClient } from '../../validator/https-client';
import { maskEchoedCardData, type SubmittedCard } from '../../validator/details-guard';
import { findCardNumbers } from '../../shared/card/card-detector';
import { detectBrand } from '../../shared/card/card-rules';
import { gatewayTokenSyntaxProblem } from '../../validator/gateway-token';
import { cleanDetails } from '../../shared/session/result-line';
import { buildSubmission, InvalidReplyError, parseReply, SubmissionRejectedError, type SubmissionParam } from '../../validator/xml-contract';

export interface ValidatorDeps {
  vault: VaultDeps;
  client: Pick<ValidationClient, 'post'>;
  cardFieldNames: CardFieldNames;
  /** Largest reply accepted; the client enforces the same cap while reading. */
  maxReplyBytes: number;
  logger: Pick<Logger, 'info' | 'warn'>;
}

export const DETAILS = {
  cardGone: 'card data is no longer available (the session expired or was ended); start a new secure session',
  outcomeUnknown: OUTCOME_UNKNOWN_TEXT,
  redirected: 'validation service redirected',
  invalidReply: 'validation service sent an invalid reply',
  notSent: 'the payment was not sent',
} as const;

/** Reason codes written to the log: a machine summary of why the outcome is what it is. */
type ReasonCode =
  | 'service-reply'
  | 'vault-miss'
  | 'submission-rejected'
  | 'already-submitted'
  | 'redirect'
  | 'http-status'
  | `invalid-reply:${string}`
  | `failed:${string}`;

/** Why a reply's gateway token was dropped (logged as tokenRefused; the token itself never is). */
export type TokenProblem = 'length' | 'charset' | 'card-number' | 'card-echo';

interface Decision {
  outcome: Outcome;
  details: string;
  reason: ReasonCode;
  httpStatus?: number;
  attempts?: number;
  /** Places in the service's details where card data was masked. */
  detailsMasked?: number;
  /** The reply's gateway token, until checked; then only a token that passed. */
  token?: string;
  tokenRefused?: TokenProblem;
}

/** Text added to the details when the service's token was dropped. */
export const TOKEN_REFUSED_TEXT = 'the gateway token in the reply was refused and not kept';

/**
 * Checks a reply's gateway token while the submitted card is still in memory: the contract's length and
 * characters, then no card number (the shared detector) and no piece of the submitted card (the echo guard).
 */
export function gatewayTokenProblem(token: string, card: SubmittedCard): TokenProblem | undefined {
  const syntax = gatewayTokenSyntaxProblem(token);
  if (syntax !== undefined) return syntax;
  // A card number of a known brand. Gateways' own ids can be 16 plain digits (Adyen's pspReference and stored
  // payment method ids), which pass the Luhn check one time in ten: an unknown brand is no card number here.
  if (findCardNumbers(token).some((m) => detectBrand(m.digits) !== 'unknown')) return 'card-number';
  if (maskEchoedCardData(token, card, { otherCards: false }).masked > 0) return 'card-echo';
  return undefined;
}

const declined = (details: string, reason: ReasonCode, extra: Partial<Decision> = {}): Decision => ({ outcome: 'declined', details, reason, ...extra });
/** The request may have reached the service and charged the card: never a decline, never sent again. */
const unknown = (cause: string | undefined, reason: ReasonCode, extra: Partial<Decision> = {}): Decision => ({
  outcome: 'unknown',
  details: cause === undefined ? DETAILS.outcomeUnknown : `${DETAILS.outcomeUnknown} (${cause})`,
  reason,
  ...extra,
});

/** The agent's form fields first, then the card fields under the configured names. */
export function submissionParams(card: OpenedCard, names: CardFieldNames): SubmissionParam[] {
  const reserved = new Set([names.pan, names.exp, names.cvv]);
  // A form field named like a card field is dropped: only the caller's keypad may supply card data.
  const params = Object.entries(card.params)
    .filter(([name]) => !reserved.has(name))
    .map(([name, value]) => ({ name, value }));
  params.push({ name: names.pan, value: card.pan }, { name: names.exp, value: card.exp });
  if (card.cvv !== undefined) params.push({ name: names.cvv, value: card.cvv });
  return params;
}

/**
 * Maps what the client got back to an outcome, by the wire convention agreed with the gateway side:
 * once the request was fully sent, a timeout, a lost connection or an HTTP 5xx is `unknown` (the card
 * may have been charged); a 4xx or 3xx is a decline; a 200 that breaks the contract stays a decline.
 * Never quotes the reply text.
 */
export function decide(exchange: ExchangeResult, maxReplyBytes: number): Decision {
  if (exchange.kind === 'failed') {
    const { code, reason, attempts } = exchange;
    const neverReached =
      code === 'refused' || code === 'dns' || code === 'connect-timeout' || code === 'signing' || code === 'network' || code === 'bad-request';
    if (code === 'timeout' || code === 'connection-lost') return unknown(reason, `failed:${code}`, { attempts });
    return declined(neverReached ? `${reason}; ${DETAILS.notSent}` : reason, `failed:${code}`, { attempts });
  }
  const { status, body, attempts } = exchange;
  if (status >= 300 && status < 400) return declined(DETAILS.redirected, 'redirect', { httpStatus: status, attempts });
  if (status >= 500) return unknown(`validation service answered with HTTP status ${status}`, 'http-status', { httpStatus: status, attempts });
  if (status < 200 || status >= 300) return declined(`validation service answered with HTTP status ${status}`, 'http-status', { httpStatus: status, attempts });
  try {
    const reply = parseReply(body, maxReplyBytes);
    return {
      outcome: reply.outcome,
      details: reply.details,
      reason: 'service-reply',
      httpStatus: status,
      attempts,
      ...(reply.token !== undefined ? { token: reply.token } : {}),
    };
  } catch (err) {
    if (err instanceof InvalidReplyError)
      return declined(`${DETAILS.invalidReply} (${err.code})`, `invalid-reply:${err.code}`, { httpStatus: status, attempts });
    throw err;
  }
}

export async function validateSession(deps: ValidatorDeps, input: ValidateInput): Promise<ValidationResult> {
  const { sessionId, transactionId } = input.session;
  const started = deps.vault.now().getTime();
  const conclude = (decision: Decision): ValidationResult => {
    deps.logger.info('validation finished', {
      sessionId,
      transactionId,
      outcome: decision.outcome,
      reasonCode: decision.reason,
      ...(decision.httpStatus === undefined ? {} : { httpStatus: decision.httpStatus }),
      ...(decision.attempts === undefined ? {} : { attempts: decision.attempts }),
      ...(decision.detailsMasked ? { detailsMasked: decision.detailsMasked } : {}),
      ...(decision.token !== undefined ? { tokenReturned: true } : {}),
      ...(decision.tokenRefused ? { tokenRefused: decision.tokenRefused } : {}),
      durationMs: deps.vault.now().getTime() - started,
    });
    return {
      outcome: decision.outcome,
      details: cleanDetails(decision.details),
      transactionId,
      detailsMasked: decision.detailsMasked ?? 0,
      ...(decision.token !== undefined ? { token: decision.token } : {}),
    };
  };

  let card: OpenedCard;
  try {
    card = await openCard(deps.vault, sessionId, input.vaultRef);
  } catch (err) {
    // KMS and DynamoDB failures propagate: the workflow retries the stage or aborts the session.
    if (err instanceof VaultItemNotFoundError) return conclude(declined(DETAILS.cardGone, 'vault-miss'));
    throw err;
  }

  try {
    let body: string;
    try {
      body = buildSubmission(submissionParams(card, deps.cardFieldNames));
    } catch (err) {
      if (err instanceof SubmissionRejectedError) {
        return conclude(
          declined(
            `the form field "${err.paramName}" contains control characters and was not sent; correct it and start a new secure session`,
            'submission-rejected',
          ),
        );
      }
      throw err;
    }
    if (!(await markSubmitted(deps.vault, sessionId, input.vaultRef))) return conclude(unknown(undefined, 'already-submitted'));
    const decision = decide(await deps.client.post(body, transactionId), deps.maxReplyBytes);
    if (decision.reason !== 'service-reply') return conclude(decision);
    const guarded = maskEchoedCardData(decision.details, card);
    const { token, ...checked } = decision;
    const tokenRefused = token === undefined ? undefined : gatewayTokenProblem(token, card);
    if (tokenRefused !== undefined)
      return conclude({ ...checked, details: `${guarded.text}; ${TOKEN_REFUSED_TEXT}`, detailsMasked: guarded.masked, tokenRefused });
    return conclude({ ...checked, details: guarded.text, detailsMasked: guarded.masked, ...(token !== undefined ? { token } : {}) });
  } finally {
    try {
      await forgetSecurityCode(deps.vault, sessionId);
    } catch (err) {
      // The outcome stands: End and Abort delete the whole item anyway, and failing the stage now
      // would turn a known outcome into an unknown one on retry.
      deps.logger.warn('security code could not be dropped from the vault', { sessionId, transactionId, reasonCode: errorName(err) });
    }
  }
}

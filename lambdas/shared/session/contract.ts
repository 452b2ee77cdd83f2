/**
 * The secure-session contract shared by the state machine (lib/), its task handlers (lambdas/session),
 * the SMA handler, the validator and the sandbox. Nothing here may ever hold card data: the card
 * travels only as KMS ciphertext inside the vault, and between stages as an opaque vault reference.
 */
import type { CardField } from '../card/card-fields';

/** State names of the workflow; the CDK definition and the sandbox overrides key on them. */
export const STATE = {
  begin: 'Begin',
  getKey: 'GetKey',
  captured: 'CardCaptured',
  infoInsert: 'InfoInsert',
  validate: 'Validate',
  end: 'End',
  abort: 'Abort',
  aborted: 'Aborted',
  abortFailed: 'AbortFailed',
} as const;

/**
 * Error names that cross the Step Functions boundary (SendTaskFailure, or thrown by a task), the one
 * list every sender and reader refers to. Abort explains them, the agent sees them as an outcome's
 * `error`, the CLI maps them to exit codes. A class thrown under one of these names is named after it
 * (lambdas/shared/errors.ts).
 */
export const SESSION_ERROR = {
  agentCancelled: 'AgentCancelled',
  callerHungUp: 'CallerHungUp',
  recordingPauseFailed: 'RecordingPauseFailed',
  telephonyFailed: 'TelephonyFailed',
  requestRefused: 'SessionRequestRefused',
} as const;
export type SessionErrorName = (typeof SESSION_ERROR)[keyof typeof SESSION_ERROR];

/** What the validation service's reply says (the XML contract's two values). */
export type WireOutcome = 'accepted' | 'declined';
/**
 * A payment's outcome. `unknown`: the request was sent and no usable answer came back (a timeout, a
 * reset, an HTTP 5xx, or a stage run again after sending), so the card may have been charged. It is
 * never reported as a decline and never retried with a new payment reference.
 */
export type Outcome = WireOutcome | 'unknown';
/** What the agent, finance and the caller are told about an unknown outcome. */
export const OUTCOME_UNKNOWN_TEXT = 'payment status unknown: check with the gateway before taking another payment';
/** How a session finished: an outcome, or aborted before one was made. */
export type FinalStatus = Outcome | 'aborted';
export type SessionStatus = 'requested' | 'separating' | 'capturing' | 'validating' | 'accepted' | 'declined' | 'unknown' | 'aborted';

/** IVR behaviour for one session; comes from the form. */
export interface IvrSettings {
  /** Polly language code, e.g. en-US. */
  language: string;
  /** Polly voice id, e.g. Joanna. */
  voice: string;
  engine: 'standard' | 'neural';
  /** Attempts per field before the session ends declined. */
  attempts: number;
  /** Seconds the caller has to start and finish a field. */
  fieldTimeoutSeconds: number;
  /** Seconds allowed between two keys. */
  interDigitSeconds: number;
}

/** StartExecution input: what the agent (or the CLI) asks for. Card data never appears here. */
export interface SessionRequest {
  sessionId: string;
  /** The Chime TransactionId of the call (all legs). */
  callTransactionId: string;
  agentId: string;
  formId: string;
  /** The form's non-confidential fields as the agent typed them. */
  fields: Record<string, string>;
  /** How many parties the call has; a secure session is refused on a conference. */
  parties?: number;
  /**
   * Set by the agent API only when the agent resends a session whose outcome is unknown: the new session
   * reuses that session's payment reference, so the validation service sees the same Idempotency-Key
   * and cannot charge twice. Begin checks it against the earlier session.
   */
  resendOf?: string;
}

/** Begin's result, kept at $.session. */
export interface SessionContext {
  sessionId: string;
  callTransactionId: string;
  /** The payment reference: the idempotency key for the validation service and the result line's first field. */
  transactionId: string;
  agentId: string;
  formId: string;
  /**
   * The agent's workgroup the form was started under (the first of the agent's workgroups the form is
   * assigned to); absent when the configuration has no workgroups. Finance outcomes report it.
   */
  workgroup?: string;
  ivr: IvrSettings;
}

/** GetKey's payload: what the SMA handler is asked to do, plus the task token it completes. */
export interface GetKeyInput {
  session: SessionContext;
  taskToken: string;
}

/** What the SMA handler sends back with SendTaskSuccess; kept at $.capture. */
export type CaptureResult = { status: 'captured'; vaultRef: string; brand: string; last4: string } | { status: 'declined'; reason: string };

export interface InfoInsertInput {
  session: SessionContext;
  vaultRef: string;
  fields: Record<string, string>;
}

export interface ValidateInput {
  session: SessionContext;
  vaultRef: string;
}

/** Validate's result, kept at $.validation. */
export interface ValidationResult {
  outcome: Outcome;
  /** Already cleaned (lambdas/shared/session/result-line.ts); End builds the result line from it. */
  details: string;
  transactionId: string;
  /** Places in the service's details where the validator masked card data (a count, never the text). */
  detailsMasked?: number;
  /** The gateway's reusable token for the stored card, from the reply's `token` attribute (checked: never card data). */
  token?: string;
}

/** End's payload: the whole workflow state (request fields at the top level, each stage's result). */
export type EndInput = SessionRequest & {
  session: SessionContext;
  capture: CaptureResult;
  validation?: ValidationResult;
};

/**
 * Abort's payload: the whole workflow state as a Catch leaves it — the SessionRequest fields at the top
 * level, whatever stages completed, and the error.
 */
export type AbortInput = SessionRequest & {
  session?: SessionContext;
  capture?: CaptureResult;
  validation?: ValidationResult;
  /** Step Functions Catch output: { Error, Cause }. */
  error: { Error?: string; Cause?: string };
};

/** What End and Abort return: the execution's output, also what the agent sees. */
export interface SessionOutcome {
  sessionId: string;
  transactionId?: string;
  status: FinalStatus;
  details: string;
  /** `transactionId|ApprovalValue|ApprovalResult\n`, built by lambdas/shared/session/result-line.ts. */
  resultLine?: string;
  last4?: string;
  brand?: string;
  /** For an abort: the error name that caused it (CallerHungUp, RecordingPauseFailed, …). */
  error?: string;
  /** The gateway's reusable token for the stored card (never the card), when the validation service returned one. */
  token?: string;
}

/** Arguments of UpdateSipMediaApplicationCall sent to the SMA handler (string → string, ≤ 20 entries). */
export type CallUpdate =
  | { op: 'secure-begin'; sessionId: string; ivr: string }
  | { op: 'secure-end'; sessionId: string; outcome: FinalStatus; reference: string }
  /** The agent asks the caller to key one card field again (the agent API's re-enter). */
  | { op: 'secure-reenter'; sessionId: string; field: CardField };

/** Environment variables the functions read (UPPER_SNAKE); the CDK stack sets them. */
export const ENV = {
  sessionTable: 'SESSION_TABLE',
  vaultTable: 'VAULT_TABLE',
  vaultKeyArn: 'VAULT_KEY_ARN',
  vaultTtlSeconds: 'VAULT_TTL_SECONDS',
  smaId: 'SIP_MEDIA_APPLICATION_ID',
  agentEndpointType: 'AGENT_ENDPOINT_TYPE',
  agentEndpointUri: 'AGENT_ENDPOINT_URI',
  agentVoiceConnectorArn: 'AGENT_VOICE_CONNECTOR_ARN',
  callerIdNumber: 'CALLER_ID_NUMBER',
  recordingBucket: 'RECORDING_BUCKET',
  recordingPrefix: 'RECORDING_PREFIX',
  validationUrl: 'VALIDATION_URL',
  cardFieldNames: 'CARD_FIELD_NAMES',
  /** SSM parameter name holding the secure input configuration (config/secure-ivr.json), read by Begin and the agent API. */
  secureInputConfigParameter: 'SECURE_INPUT_CONFIG_PARAMETER',
  /** The configuration inline (tests only); wins over the parameter. */
  secureInputConfigJson: 'SECURE_INPUT_CONFIG_JSON',
  /** A configuration file (the sandbox). */
  secureInputConfigFile: 'FORMS_FILE',
  stateMachineArn: 'STATE_MACHINE_ARN',
  /** Which telephony adapters the deployment has: chime (default), connect or both. */
  telephonyAdapters: 'TELEPHONY_ADAPTERS',
} as const;

/**
 * The contract between the secure-input flow and the functions it invokes (claim, capture, status):
 * the event Amazon Connect sends (Lambda developer guide for Connect, "ContactFlowEvent"), the
 * attributes each flow step passes, and the flat string map each function answers with (the flow reads
 * it at `$.External`). Nothing in an answer is ever card data or ciphertext: at most "valid"/"invalid",
 * a reason, the next prompt's text, and the brand and last four once the number is captured.
 */

/** What Connect sends to a function invoked from a flow (the parts secure-ivr reads). */
export interface ConnectContactFlowEvent {
  Name: 'ContactFlowEvent';
  Details: {
    ContactData: {
      ContactId: string;
      InitialContactId?: string;
      PreviousContactId?: string;
      Channel: 'VOICE' | 'CHAT' | 'TASK' | 'EMAIL' | string;
      InstanceARN?: string;
      InitiationMethod?: string;
      /** Contact attributes: secure-ivr writes none during a session and never card data. */
      Attributes: Record<string, string>;
      Queue?: { ARN?: string; Name?: string } | null;
      [key: string]: unknown;
    };
    /** `LambdaInvocationAttributes` of the InvokeLambdaFunction action. */
    Parameters: Record<string, string>;
  };
}

/** What the flow asks of a function (the `Operation` invocation attribute). */
export const OPERATION = {
  /** Claim the agent's pending request for this contact and start the session. */
  claim: 'claim',
  /** Recording and streaming are off: the card prompts may start. */
  recordingSuspended: 'recording-suspended',
  /** Recording or streaming could not be turned off: no card prompt, the session aborts. */
  recordingFailed: 'recording-failed',
  /** One field was keyed: decrypt, check, seal. */
  field: 'field',
  /** A card prompt block failed (not a timeout): the session aborts. */
  inputFailed: 'input-failed',
  /** Wait (bounded) for the session's outcome. */
  status: 'status',
} as const;

/** Invocation attribute names. */
export const PARAM = {
  operation: 'Operation',
  field: 'Field',
  /** `$.StoredCustomerInput`: Encryption SDK ciphertext (base64), or `Timeout`. */
  entry: 'CustomerEntry',
  /** `$.External.state`: the capture state the last function answered with (never card data). */
  state: 'CaptureState',
} as const;

/** The stored value Connect writes when the caller keyed nothing before the time limit. */
export const TIMEOUT_ENTRY = 'Timeout';

/**
 * `$.External.next`: where the flow goes after a function answers.
 * pan / exp / cvv: prompt for that field with `$.External.prompt`; wait: ask status again;
 * done: tell `$.External.prompt` and give the caller back; refused: the same, no session ran.
 */
export type NextStep = 'pan' | 'exp' | 'cvv' | 'wait' | 'done' | 'refused';

/** A function's answer: a flat string map (ResponseValidation STRING_MAP). */
export interface FlowResponse {
  [key: string]: string;
  next: NextStep;
  /** Text the caller hears next (prompt, re-prompt, outcome, refusal), in the form's language. */
  prompt: string;
  /** The form whose branch of the flow runs (voice, timeouts); set once claimed. */
  formId: string;
  /** The capture state the flow hands back on the next call (encodeCaptureState); empty when no session. */
  state: string;
}

/** The capture function's answer to one field also says whether it was accepted. */
export interface FieldResponse extends FlowResponse {
  /** valid | invalid | restart | failed (attempts used up) */
  result: 'valid' | 'invalid' | 'restart' | 'failed';
  /** Why an entry was refused (never quotes the entry). Empty when valid. */
  reason: string;
}

/** The flow's own time limit for a function (InvokeLambdaFunction allows 1 to 8 seconds). */
export const FLOW_INVOCATION_LIMIT_SECONDS = 8;
/** A status call answers `wait` after this long, well inside the flow's limit. */
export const STATUS_WAIT_MS = 6_000;
/** How long after card entry the flow keeps asking for the outcome before giving the caller back. */
export const OUTCOME_WAIT_LIMIT_MS = 180_000;

/** Environment of the Connect functions. */
export const CONNECT_ENV = {
  /** Secrets Manager secret holding the flow key's private key (PEM) and its key id. */
  flowKeySecretArn: 'FLOW_KEY_SECRET_ARN',
  connectInstanceArn: 'CONNECT_INSTANCE_ARN',
} as const;

/** The flow key secret's JSON: the current slot and, during rotation, the previous one. */
export interface FlowKeySecret {
  keys: Array<{ keyId: string; privateKeyPem: string; notAfter: string }>;
}

/** The event is not one a secure-input flow sends. */
export class ConnectEventError extends Error {
  public constructor(what: string) {
    super(`The Connect event is not usable: ${what}. Check the flow's InvokeLambdaFunction attributes.`);
    this.name = 'ConnectEventError';
  }
}

const ID = /^[A-Za-z0-9._:+-]{1,128}$/;

/** Reads the event's identifiers and parameters; throws ConnectEventError (no values in the message). */
export function parseConnectEvent(raw: unknown): {
  contactId: string;
  previousContactId?: string;
  initialContactId?: string;
  channel: string;
  parameters: Record<string, string>;
} {
  const event = raw as Partial<ConnectContactFlowEvent> | undefined;
  const data = event?.Details?.ContactData;
  if (event?.Name !== 'ContactFlowEvent' || !data || typeof data !== 'object') throw new ConnectEventError('it is not a ContactFlowEvent');
  if (typeof data.ContactId !== 'string' || !ID.test(data.ContactId)) throw new ConnectEventError('the contact id is missing');
  const params = event.Details?.Parameters ?? {};
  if (typeof params !== 'object' || Object.values(params).some((v) => typeof v !== 'string'))
    throw new ConnectEventError('the parameters are not a string map');
  const optionalId = (v: unknown): string | undefined => (typeof v === 'string' && ID.test(v) ? v : undefined);
  const previous = optionalId(data.PreviousContactId);
  const initial = optionalId(data.InitialContactId);
  return {
    contactId: data.ContactId,
    ...(previous ? { previousContactId: previous } : {}),
    ...(initial ? { initialContactId: initial } : {}),
    channel: typeof data.Channel === 'string' ? data.Channel : 'UNKNOWN',
    parameters: { ...params },
  };
}

/**
 * The call a session is keyed on: the agent's contact, i.e. the contact the quick connect transferred
 * (PreviousContactId in the transfer flow), else the first contact of the chain, else this contact.
 * The agent's console knows it as the contact id it shows, so pending requests are stored under it.
 */
export function callKeyOf(ids: { contactId: string; previousContactId?: string; initialContactId?: string }): string {
  return ids.previousContactId ?? ids.initialContactId ?? ids.contactId;
}

/**
 * Typed contract of the Amazon Chime SDK SIP media application (PSTN Audio) Lambda interface.
 * Shapes follow the AWS developer guide (pstn-invocations, specify-actions and the per-action pages).
 * @types/aws-lambda has none of this, so it lives here: one parser for events, one builder per action.
 */

export const SCHEMA_VERSION = '1.0';

/** Every invocation event type the service documents. */
export const INVOCATION_EVENT_TYPES = [
  'NEW_INBOUND_CALL',
  'NEW_OUTBOUND_CALL',
  'ACTION_SUCCESSFUL',
  'ACTION_FAILED',
  'ACTION_INTERRUPTED',
  'HANGUP',
  'CALL_ANSWERED',
  'INVALID_LAMBDA_RESPONSE',
  'DIGITS_RECEIVED',
  'CALL_UPDATE_REQUESTED',
  'RINGING',
] as const;
export type InvocationEventType = (typeof INVOCATION_EVENT_TYPES)[number];

export type ParticipantTag = 'LEG-A' | 'LEG-B';

export interface Participant {
  CallId: string;
  ParticipantTag: ParticipantTag;
  To?: string;
  From?: string;
  Direction?: 'Inbound' | 'Outbound';
  StartTimeInMilliseconds?: string;
  /** Real captured events sometimes omit it. */
  Status?: 'Connected' | 'Disconnected';
  SipHeaders?: Record<string, string>;
}

/** Values must stay strings; never card data (they are echoed in every event). */
export type TransactionAttributes = Record<string, string>;

export interface CallDetails {
  TransactionId: string;
  AwsAccountId?: string;
  AwsRegion?: string;
  SipRuleId?: string;
  /** Real events say SipMediaApplicationId, some doc examples SipApplicationId. */
  SipMediaApplicationId?: string;
  SipApplicationId?: string;
  Participants: Participant[];
  TransactionAttributes?: TransactionAttributes;
}

export interface ActionData {
  Type: string;
  Parameters?: Record<string, unknown>;
  ReceivedDigits?: string;
  ErrorType?: string;
  ErrorMessage?: string;
  CallRecordingDestination?: { Type?: string; Location?: string };
}

export interface SmaEvent {
  SchemaVersion: string;
  Sequence: number;
  InvocationEventType: InvocationEventType;
  CallDetails: CallDetails;
  ActionData?: ActionData;
  /** INVALID_LAMBDA_RESPONSE carries these at top level in the published example. */
  ErrorType?: string;
  ErrorMessage?: string;
}

// ---------------------------------------------------------------------------------------------
// Actions

export interface SpeechParameters {
  Text: string;
  Engine?: 'standard' | 'neural';
  LanguageCode?: string;
  TextType?: 'text' | 'ssml';
  VoiceId?: string;
}

export interface CallAndBridgeEndpoint {
  BridgeEndpointType: 'PSTN' | 'AWS';
  Uri: string;
  Arn?: string;
}

export type SmaAction =
  | {
      Type: 'CallAndBridge';
      Parameters: { CallTimeoutSeconds: number; CallerIdNumber: string; Endpoints: [CallAndBridgeEndpoint]; SipHeaders?: Record<string, string> };
    }
  | { Type: 'Hangup'; Parameters: { CallId?: string; ParticipantTag?: ParticipantTag; SipResponseCode: '0' | '480' | '486' } }
  | { Type: 'Pause'; Parameters: { CallId: string; DurationInMilliseconds: string } }
  | { Type: 'Speak'; Parameters: { CallId: string } & SpeechParameters }
  | {
      Type: 'SpeakAndGetDigits';
      Parameters: {
        CallId: string;
        SpeechParameters: SpeechParameters;
        FailureSpeechParameters: SpeechParameters;
        MinNumberOfDigits: number;
        MaxNumberOfDigits: number;
        TerminatorDigits: string[];
        InBetweenDigitsDurationInMilliseconds: number;
        Repeat: number;
        RepeatDurationInMilliseconds: number;
      };
    }
  | { Type: 'StartCallRecording'; Parameters: { CallId: string; Track: 'BOTH' | 'INCOMING' | 'OUTGOING'; Destination: { Type: 'S3'; Location: string } } }
  | {
      Type: 'ReceiveDigits';
      Parameters: { CallId: string; InputDigitsRegex: string; InBetweenDigitsDurationInMilliseconds: number; FlushDigitsDurationInMilliseconds: number };
    }
  | { Type: 'PauseCallRecording'; Parameters: { CallId: string } }
  | { Type: 'ResumeCallRecording'; Parameters: { CallId: string } }
  | { Type: 'StopCallRecording'; Parameters: { CallId: string } };

/** The service refuses more than ten actions in one response. */
export const MAX_ACTIONS_PER_RESPONSE = 10;
/** Most keys one SpeakAndGetDigits may deliver: above the IVR's largest MaxNumberOfDigits (40) plus a terminator. */
export const MAX_RECEIVED_DIGITS = 64;
const KEYPAD = /^[0-9*#]*$/;
/** Keep well under the documented limit (the docs disagree: 10 or 100). */
export const MAX_TRANSACTION_ATTRIBUTES = 10;

export interface SmaResponse {
  SchemaVersion: string;
  Actions: SmaAction[];
  TransactionAttributes?: TransactionAttributes;
}

// ---------------------------------------------------------------------------------------------
// Parsing

/** Thrown when an invocation does not have the documented shape. Never quotes the input. */
export class MalformedSmaEventError extends Error {
  public constructor(problem: string) {
    super(`Malformed SIP media application event: ${problem}. Check that the Lambda is invoked by the SIP media application.`);
    this.name = 'MalformedSmaEventError';
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isEventType = (v: unknown): v is InvocationEventType => typeof v === 'string' && (INVOCATION_EVENT_TYPES as readonly string[]).includes(v);

/**
 * Checks an invocation against the contract and returns it typed. The problems are named without
 * echoing values: events can carry ReceivedDigits.
 */
export function parseSmaEvent(raw: unknown): SmaEvent {
  if (!isRecord(raw)) throw new MalformedSmaEventError('the event is not a JSON object');
  const problems: string[] = [];
  if (raw.SchemaVersion !== SCHEMA_VERSION) problems.push(`SchemaVersion must be "${SCHEMA_VERSION}"`);
  if (!isEventType(raw.InvocationEventType)) problems.push('InvocationEventType is missing or unknown');
  const sequence = typeof raw.Sequence === 'number' ? raw.Sequence : Number.NaN;
  if (!Number.isInteger(sequence) || sequence < 0) problems.push('Sequence must be a non-negative integer');
  const details = raw.CallDetails;
  if (!isRecord(details)) {
    problems.push('CallDetails is missing');
  } else {
    if (typeof details.TransactionId !== 'string' || details.TransactionId.length === 0) problems.push('CallDetails.TransactionId is missing');
    if (!Array.isArray(details.Participants)) {
      problems.push('CallDetails.Participants must be a list');
    } else {
      details.Participants.forEach((p, i) => {
        if (!isRecord(p) || typeof p.CallId !== 'string' || (p.ParticipantTag !== 'LEG-A' && p.ParticipantTag !== 'LEG-B')) {
          problems.push(`CallDetails.Participants[${i}] needs a CallId and a ParticipantTag of LEG-A or LEG-B`);
        }
      });
    }
    const attrs = details.TransactionAttributes;
    if (attrs !== undefined && attrs !== null && (!isRecord(attrs) || Object.values(attrs).some((v) => typeof v !== 'string'))) {
      problems.push('CallDetails.TransactionAttributes must map strings to strings');
    }
  }
  const action = raw.ActionData;
  if (action !== undefined && (!isRecord(action) || typeof action.Type !== 'string')) problems.push('ActionData must be an object with a Type');
  if (action !== undefined && isRecord(action) && action.ReceivedDigits !== undefined) {
    const digits = action.ReceivedDigits;
    if (typeof digits !== 'string') problems.push('ActionData.ReceivedDigits must be a string');
    // Bounded before any work is done on them: the IVR never asks for more keys than this.
    else if (digits.length > MAX_RECEIVED_DIGITS) problems.push(`ActionData.ReceivedDigits holds more than ${MAX_RECEIVED_DIGITS} keys`);
    else if (!KEYPAD.test(digits)) problems.push('ActionData.ReceivedDigits holds characters other than 0-9, * and #');
  }
  if (problems.length > 0) throw new MalformedSmaEventError(problems.join('; '));
  return raw as unknown as SmaEvent;
}

/** The participant with a tag, if the event lists it. */
export function findLeg(event: SmaEvent, tag: ParticipantTag): Participant | undefined {
  return event.CallDetails.Participants.find((p) => p.ParticipantTag === tag);
}

// ---------------------------------------------------------------------------------------------
// Builders: every call returns a new object, so no action is ever shared between invocations.

export const actions = {
  callAndBridge: (callerIdNumber: string, endpoint: CallAndBridgeEndpoint, timeoutSeconds = 30): SmaAction => ({
    Type: 'CallAndBridge',
    Parameters: { CallTimeoutSeconds: timeoutSeconds, CallerIdNumber: callerIdNumber, Endpoints: [{ ...endpoint }] },
  }),
  hangup: (callId: string, code: '0' | '480' | '486' = '0'): SmaAction => ({ Type: 'Hangup', Parameters: { CallId: callId, SipResponseCode: code } }),
  pause: (callId: string, ms: number): SmaAction => ({ Type: 'Pause', Parameters: { CallId: callId, DurationInMilliseconds: String(ms) } }),
  speak: (callId: string, speech: SpeechParameters): SmaAction => ({ Type: 'Speak', Parameters: { CallId: callId, ...speech } }),
  speakAndGetDigits: (
    callId: string,
    prompt: SpeechParameters,
    failure: SpeechParameters,
    digits: { min: number; max: number; interDigitMs: number; timeoutMs: number },
  ): SmaAction => ({
    Type: 'SpeakAndGetDigits',
    Parameters: {
      CallId: callId,
      SpeechParameters: { ...prompt },
      FailureSpeechParameters: { ...failure },
      MinNumberOfDigits: digits.min,
      MaxNumberOfDigits: digits.max,
      TerminatorDigits: ['#'],
      InBetweenDigitsDurationInMilliseconds: digits.interDigitMs,
      Repeat: 1,
      RepeatDurationInMilliseconds: digits.timeoutMs,
    },
  }),
  startCallRecording: (callId: string, location: string): SmaAction => ({
    Type: 'StartCallRecording',
    Parameters: { CallId: callId, Track: 'BOTH', Destination: { Type: 'S3', Location: location } },
  }),
  /**
   * Arms a listener on a leg: the service answers ACTION_SUCCESSFUL at once and later sends DIGITS_RECEIVED
   * with the keys that matched, after which the listener is spent until a new ReceiveDigits arms it again.
   */
  receiveDigits: (callId: string, listen: { pattern: string; interDigitMs: number; flushMs: number }): SmaAction => ({
    Type: 'ReceiveDigits',
    Parameters: {
      CallId: callId,
      InputDigitsRegex: listen.pattern,
      InBetweenDigitsDurationInMilliseconds: listen.interDigitMs,
      FlushDigitsDurationInMilliseconds: listen.flushMs,
    },
  }),
  pauseCallRecording: (callId: string): SmaAction => ({ Type: 'PauseCallRecording', Parameters: { CallId: callId } }),
  resumeCallRecording: (callId: string): SmaAction => ({ Type: 'ResumeCallRecording', Parameters: { CallId: callId } }),
} as const;

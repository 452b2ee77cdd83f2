/**
 * What the SIP media application service would refuse in a Lambda response: the emulator answers such
 * a response with INVALID_LAMBDA_RESPONSE, as the service does.
 */
import { MAX_ACTIONS_PER_RESPONSE, MAX_TRANSACTION_ATTRIBUTES, SCHEMA_VERSION, type SmaAction } from '../../lambdas/telephony/chime-sma/contract';

const CALL_ID_REQUIRED = new Set([
  'Speak',
  'SpeakAndGetDigits',
  'Pause',
  'StartCallRecording',
  'PauseCallRecording',
  'ResumeCallRecording',
  'StopCallRecording',
]);
const KNOWN = new Set([
  'CallAndBridge',
  'Hangup',
  'Pause',
  'Speak',
  'SpeakAndGetDigits',
  'StartCallRecording',
  'PauseCallRecording',
  'ResumeCallRecording',
  'StopCallRecording',
  'PlayAudio',
  'PlayAudioAndGetDigits',
  'ReceiveDigits',
  'SendDigits',
  'RecordAudio',
  'VoiceFocus',
  'JoinChimeMeeting',
  'ModifyChimeMeetingAttendees',
]);

export interface CheckedResponse {
  ok: true;
  actions: SmaAction[];
  attributes?: Record<string, string>;
}
export interface RefusedResponse {
  ok: false;
  errorType: string;
  errorMessage: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function checkResponse(raw: unknown): CheckedResponse | RefusedResponse {
  if (!isRecord(raw)) return { ok: false, errorType: 'InvalidResponse', errorMessage: 'The response is not a JSON object' };
  if (raw.SchemaVersion !== SCHEMA_VERSION) return { ok: false, errorType: 'SchemaVersionMismatch', errorMessage: 'SchemaVersion must be 1.0' };
  const list = raw.Actions ?? [];
  if (!Array.isArray(list)) return { ok: false, errorType: 'InvalidResponse', errorMessage: 'Actions must be a list' };
  if (list.length > MAX_ACTIONS_PER_RESPONSE)
    return { ok: false, errorType: 'ActionsLimitExceeded', errorMessage: `At most ${MAX_ACTIONS_PER_RESPONSE} actions are allowed` };
  for (const action of list) {
    if (!isRecord(action) || typeof action.Type !== 'string' || !KNOWN.has(action.Type))
      return { ok: false, errorType: 'InvalidActionType', errorMessage: 'Unknown action type' };
    const params = action.Parameters;
    if (!isRecord(params)) return { ok: false, errorType: 'InvalidActionParameter', errorMessage: `${action.Type} needs Parameters` };
    if (CALL_ID_REQUIRED.has(action.Type) && typeof params.CallId !== 'string')
      return { ok: false, errorType: 'InvalidActionParameter', errorMessage: `${action.Type} needs a CallId` };
    if (action.Type === 'CallAndBridge' && (!Array.isArray(params.Endpoints) || params.Endpoints.length !== 1)) {
      return { ok: false, errorType: 'InvalidActionParameter', errorMessage: 'CallAndBridge needs exactly one endpoint' };
    }
    if (
      action.Type === 'ReceiveDigits' &&
      (typeof params.InputDigitsRegex !== 'string' ||
        typeof params.InBetweenDigitsDurationInMilliseconds !== 'number' ||
        typeof params.FlushDigitsDurationInMilliseconds !== 'number' ||
        (typeof params.CallId !== 'string' && typeof params.ParticipantTag !== 'string'))
    ) {
      return {
        ok: false,
        errorType: 'InvalidActionParameter',
        errorMessage: 'ReceiveDigits needs InputDigitsRegex, both durations and a CallId or ParticipantTag',
      };
    }
    if (action.Type === 'SpeakAndGetDigits' && (!isRecord(params.SpeechParameters) || typeof params.RepeatDurationInMilliseconds !== 'number')) {
      return { ok: false, errorType: 'InvalidActionParameter', errorMessage: 'SpeakAndGetDigits needs SpeechParameters and RepeatDurationInMilliseconds' };
    }
  }
  const attrs = raw.TransactionAttributes;
  if (attrs !== undefined && attrs !== null) {
    if (!isRecord(attrs) || Object.values(attrs).some((v) => typeof v !== 'string')) {
      return { ok: false, errorType: 'TransactionAttributesInvalidMapSize', errorMessage: 'TransactionAttributes must map strings to strings' };
    }
    if (Object.keys(attrs).length > MAX_TRANSACTION_ATTRIBUTES) {
      return { ok: false, errorType: 'TransactionAttributesInvalidMapSize', errorMessage: `Maximum number of mappings is ${MAX_TRANSACTION_ATTRIBUTES}` };
    }
    return { ok: true, actions: list as SmaAction[], attributes: attrs as Record<string, string> };
  }
  return { ok: true, actions: list as SmaAction[] };
}

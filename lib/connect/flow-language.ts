/**
 * Typed builders for the Amazon Connect Flow language (API Reference, "flow-language-concepts" and
 * "flow-language-actions"): one builder per action type the secure-input flows use, each typed after
 * the action's own page (named beside it). The builders produce the documented JSON; the sandbox's flow
 * emulator executes the same JSON, so a parameter these types do not allow is a mistake in both places.
 *
 * Values the Flow language takes as strings ("True", "10") are strings here too: Connect validates them
 * as text, and the emulator reads them the same way.
 */

export const FLOW_LANGUAGE_VERSION = '2019-10-30';
/** AWS::Connect::ContactFlow `Content`: at most 256,000 characters. */
export const MAX_FLOW_CONTENT_CHARS = 256_000;
/** Identifier rules from "Actions in the Amazon Connect Flow Language". */
const IDENTIFIER_FORBIDDEN = /[%:()\\/=$,;[\]{}]/;
const IDENTIFIER_RESERVED = new Set([
  '__proto__',
  'constructor',
  '__defineGetter__',
  '__defineSetter__',
  'toString',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  'valueOf',
]);

/** Error names a transition may route on. */
export type FlowErrorType = 'NoMatchingError' | 'NoMatchingCondition' | 'InputTimeLimitExceeded';

/** Condition operators the flows use (flow-language-actions, "Transitions"). */
export type ConditionOperator = 'Equals' | 'TextStartsWith' | 'TextContains' | 'NumberGreaterThan' | 'NumberLessThan';

export interface FlowCondition {
  NextAction: string;
  Condition: { Operator: ConditionOperator; Operands: string[] };
}

export interface FlowTransitions {
  NextAction?: string;
  Errors?: Array<{ NextAction: string; ErrorType: FlowErrorType }>;
  Conditions?: FlowCondition[];
}

// ---------------------------------------------------------------------------------------------
// Parameter objects, one per action type

/** contact-actions-updateflowloggingbehavior */
export interface UpdateFlowLoggingBehaviorParameters {
  FlowLoggingBehavior: 'Enabled' | 'Disabled';
}

/** contact-actions-updatepreviouscontactparticipantstate (transfer and inbound flows, voice only) */
export interface UpdatePreviousContactParticipantStateParameters {
  PreviousContactParticipantState: 'AgentOnHold' | 'CustomerOnHold' | 'OffHold';
}

/** contact-actions-updatecontactrecordingbehavior: an empty RecordedParticipants list disables recording. */
export interface UpdateContactRecordingBehaviorParameters {
  RecordingBehavior: {
    RecordedParticipants: Array<'Agent' | 'Customer'>;
    IVRRecordingBehavior?: 'Enabled' | 'Disabled';
  };
}

/** contact-actions-updatecontactmediastreamingbehavior (only the Customer participant and Audio type exist). */
export interface UpdateContactMediaStreamingBehaviorParameters {
  MediaStreamingState: 'Enabled' | 'Disabled';
  Participants: Array<{ ParticipantType: 'Customer'; MediaDirections: Array<'From' | 'To'> }>;
  MediaStreamType: 'Audio';
}

/** contact-actions-updatecontacttexttospeechvoice */
export interface UpdateContactTextToSpeechVoiceParameters {
  TextToSpeechVoice: string;
  TextToSpeechEngine?: 'Standard' | 'Neural';
}

/**
 * participant-actions-getparticipantinput, as the "Store customer input" block uses it: the entry is
 * stored (encrypted with the certificate) at `$.StoredCustomerInput`, never in a contact attribute.
 * A voice timeout takes the success path with the value `Timeout` (admin guide, store-customer-input).
 */
export interface StoreCustomerInputParameters {
  StoreInput: 'True';
  /** Text to speech played while waiting for the entry (static or one JSONPath such as `$.External.prompt`). */
  Text: string;
  InputTimeLimitSeconds: string;
  DTMFConfiguration: {
    /** "True": `*` reaches the entry, and the shared capture rules treat it as a restart. */
    DisableCancelKey: 'True' | 'False';
    InputTerminationSequence: string;
    InterdigitTimeLimitSeconds: string;
  };
  InputValidation: { CustomValidation: { MaximumLength: string } };
  InputEncryption: { EncryptionKeyId: string; Key: string };
}

/**
 * participant-actions-getparticipantinput as the "Set Touchtone Buffer Behavior" block uses it
 * (admin guide, set-touchtone-buffer-behavior): "False" is Stop and Clear — keys typed ahead are dropped.
 */
export interface TouchtoneBufferParameters {
  EnableDTMFBuffer: 'True' | 'False';
}

export type GetParticipantInputParameters = StoreCustomerInputParameters | TouchtoneBufferParameters;

/** participant-actions-messageparticipant */
export interface MessageParticipantParameters {
  Text: string;
}

/** participant-actions-disconnectparticipant: no parameters. */
export type DisconnectParticipantParameters = Record<string, never>;

/** interactions-invokelambdafunction */
export interface InvokeLambdaFunctionParameters {
  LambdaFunctionARN: string;
  /** Greater than 0, at most 8, set statically. */
  InvocationTimeLimitSeconds: string;
  InvocationType?: 'SYNCHRONOUS' | 'ASYNCHRONOUS';
  LambdaInvocationAttributes?: Record<string, string>;
  ResponseValidation: { ResponseType: 'STRING_MAP' | 'JSON' };
}

/** flow-control-actions-compare: one JSONPath; Conditions pick the branch, NoMatchingCondition the rest. */
export interface CompareParameters {
  ComparisonValue: string;
}

export interface ParametersByType {
  UpdateFlowLoggingBehavior: UpdateFlowLoggingBehaviorParameters;
  UpdatePreviousContactParticipantState: UpdatePreviousContactParticipantStateParameters;
  UpdateContactRecordingBehavior: UpdateContactRecordingBehaviorParameters;
  UpdateContactMediaStreamingBehavior: UpdateContactMediaStreamingBehaviorParameters;
  UpdateContactTextToSpeechVoice: UpdateContactTextToSpeechVoiceParameters;
  GetParticipantInput: GetParticipantInputParameters;
  MessageParticipant: MessageParticipantParameters;
  DisconnectParticipant: DisconnectParticipantParameters;
  InvokeLambdaFunction: InvokeLambdaFunctionParameters;
  Compare: CompareParameters;
}

export type FlowActionType = keyof ParametersByType;

/** The action types the builders emit; the emulator supports exactly these. */
export const FLOW_ACTION_TYPES: readonly FlowActionType[] = [
  'UpdateFlowLoggingBehavior',
  'UpdatePreviousContactParticipantState',
  'UpdateContactRecordingBehavior',
  'UpdateContactMediaStreamingBehavior',
  'UpdateContactTextToSpeechVoice',
  'GetParticipantInput',
  'MessageParticipant',
  'DisconnectParticipant',
  'InvokeLambdaFunction',
  'Compare',
];

export interface FlowAction<T extends FlowActionType = FlowActionType> {
  Identifier: string;
  Type: T;
  Parameters: ParametersByType[T];
  Transitions: FlowTransitions;
}

export interface FlowDocument {
  Version: typeof FLOW_LANGUAGE_VERSION;
  StartAction: string;
  Actions: FlowAction[];
}

/** A flow that breaks the Flow language's rules; names the identifiers, never prompt text or keys. */
export class FlowDefinitionError extends Error {
  public constructor(problems: string[]) {
    super(`The flow is not valid Flow language: ${problems.join('; ')}. Fix the flow builder.`);
    this.name = 'FlowDefinitionError';
  }
}

// ---------------------------------------------------------------------------------------------
// Transition helpers

/** On error (any type) go to `target`. */
export const onError = (target: string, type: FlowErrorType = 'NoMatchingError'): FlowTransitions['Errors'] => [{ NextAction: target, ErrorType: type }];

export const equals = (value: string, next: string): FlowCondition => ({ NextAction: next, Condition: { Operator: 'Equals', Operands: [value] } });

function action<T extends FlowActionType>(Identifier: string, Type: T, Parameters: ParametersByType[T], Transitions: FlowTransitions): FlowAction<T> {
  return { Identifier, Type, Parameters, Transitions };
}

// ---------------------------------------------------------------------------------------------
// One builder per action type

export const updateFlowLoggingBehavior = (id: string, p: UpdateFlowLoggingBehaviorParameters, next: string): FlowAction<'UpdateFlowLoggingBehavior'> =>
  action(id, 'UpdateFlowLoggingBehavior', { ...p }, { NextAction: next });

export const updatePreviousContactParticipantState = (
  id: string,
  p: UpdatePreviousContactParticipantStateParameters,
  next: string,
  onFailure: string,
): FlowAction<'UpdatePreviousContactParticipantState'> =>
  action(id, 'UpdatePreviousContactParticipantState', { ...p }, { NextAction: next, Errors: onError(onFailure) });

export const updateContactRecordingBehavior = (
  id: string,
  p: UpdateContactRecordingBehaviorParameters,
  next: string,
  onFailure: string,
): FlowAction<'UpdateContactRecordingBehavior'> =>
  action(
    id,
    'UpdateContactRecordingBehavior',
    { RecordingBehavior: { ...p.RecordingBehavior, RecordedParticipants: [...p.RecordingBehavior.RecordedParticipants] } },
    { NextAction: next, Errors: onError(onFailure) },
  );

export const updateContactMediaStreamingBehavior = (
  id: string,
  p: UpdateContactMediaStreamingBehaviorParameters,
  next: string,
  onFailure: string,
): FlowAction<'UpdateContactMediaStreamingBehavior'> =>
  action(
    id,
    'UpdateContactMediaStreamingBehavior',
    { ...p, Participants: p.Participants.map((x) => ({ ...x, MediaDirections: [...x.MediaDirections] })) },
    { NextAction: next, Errors: onError(onFailure) },
  );

export const updateContactTextToSpeechVoice = (
  id: string,
  p: UpdateContactTextToSpeechVoiceParameters,
  next: string,
  onFailure: string,
): FlowAction<'UpdateContactTextToSpeechVoice'> => action(id, 'UpdateContactTextToSpeechVoice', { ...p }, { NextAction: next, Errors: onError(onFailure) });

export const storeCustomerInput = (id: string, p: StoreCustomerInputParameters, next: string, onFailure: string): FlowAction<'GetParticipantInput'> =>
  action(
    id,
    'GetParticipantInput',
    {
      ...p,
      DTMFConfiguration: { ...p.DTMFConfiguration },
      InputValidation: { CustomValidation: { ...p.InputValidation.CustomValidation } },
      InputEncryption: { ...p.InputEncryption },
    },
    { NextAction: next, Errors: onError(onFailure) },
  );

export const setTouchtoneBuffer = (id: string, p: TouchtoneBufferParameters, next: string, onFailure: string): FlowAction<'GetParticipantInput'> =>
  action(id, 'GetParticipantInput', { ...p }, { NextAction: next, Errors: onError(onFailure) });

export const messageParticipant = (id: string, p: MessageParticipantParameters, next: string, onFailure: string = next): FlowAction<'MessageParticipant'> =>
  action(id, 'MessageParticipant', { ...p }, { NextAction: next, Errors: onError(onFailure) });

export const disconnectParticipant = (id: string): FlowAction<'DisconnectParticipant'> => action(id, 'DisconnectParticipant', {}, {});

export const invokeLambdaFunction = (id: string, p: InvokeLambdaFunctionParameters, next: string, onFailure: string): FlowAction<'InvokeLambdaFunction'> =>
  action(
    id,
    'InvokeLambdaFunction',
    {
      ...p,
      ...(p.LambdaInvocationAttributes ? { LambdaInvocationAttributes: { ...p.LambdaInvocationAttributes } } : {}),
      ResponseValidation: { ...p.ResponseValidation },
    },
    { NextAction: next, Errors: onError(onFailure) },
  );

export const compare = (id: string, p: CompareParameters, conditions: FlowCondition[], otherwise: string): FlowAction<'Compare'> =>
  action(
    id,
    'Compare',
    { ...p },
    {
      Conditions: conditions.map((c) => ({ NextAction: c.NextAction, Condition: { ...c.Condition, Operands: [...c.Condition.Operands] } })),
      Errors: onError(otherwise, 'NoMatchingCondition'),
    },
  );

// ---------------------------------------------------------------------------------------------
// The document

/** Every target a transition names. */
export function transitionTargets(t: FlowTransitions): string[] {
  return [...(t.NextAction ? [t.NextAction] : []), ...(t.Errors ?? []).map((e) => e.NextAction), ...(t.Conditions ?? []).map((c) => c.NextAction)];
}

/** Checks the rules the Flow language states for a whole flow; returns every problem. */
export function flowProblems(doc: FlowDocument): string[] {
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const a of doc.Actions) {
    if (a.Identifier.length === 0 || a.Identifier.length > 50) problems.push(`identifier ${a.Identifier} must be 1 to 50 characters`);
    if (IDENTIFIER_FORBIDDEN.test(a.Identifier) || IDENTIFIER_RESERVED.has(a.Identifier))
      problems.push(`identifier ${a.Identifier} uses a character or name the Flow language forbids`);
    if (ids.has(a.Identifier)) problems.push(`identifier ${a.Identifier} is used twice`);
    ids.add(a.Identifier);
    if (!FLOW_ACTION_TYPES.includes(a.Type)) problems.push(`action ${a.Identifier} has a type the builders do not know`);
  }
  if (!ids.has(doc.StartAction)) problems.push('the start action does not exist');
  for (const a of doc.Actions)
    for (const target of transitionTargets(a.Transitions))
      if (!ids.has(target)) problems.push(`action ${a.Identifier} leads to ${target}, which does not exist`);
  const content = JSON.stringify(doc);
  if (content.length > MAX_FLOW_CONTENT_CHARS) problems.push(`the flow is ${content.length} characters, more than ${MAX_FLOW_CONTENT_CHARS}`);
  return problems;
}

/** Assembles a flow and checks it; throws FlowDefinitionError naming every problem. */
export function buildFlow(startAction: string, actions: FlowAction[]): FlowDocument {
  const doc: FlowDocument = { Version: FLOW_LANGUAGE_VERSION, StartAction: startAction, Actions: actions };
  const problems = flowProblems(doc);
  if (problems.length > 0) throw new FlowDefinitionError(problems);
  return doc;
}

/** The `Content` of AWS::Connect::ContactFlow. */
export const flowContent = (doc: FlowDocument): string => JSON.stringify(doc);

/**
 * The secure-input flow (type QUEUE_TRANSFER) that the "Secure Input" quick connect runs, built from the
 * forms configuration with the Flow-language builders. A pure function of its inputs, so the CDK stack
 * (with tokens for the ARNs) and the sandbox's flow emulator (with local values) build the same flow.
 *
 * In order: flow logging off; the agent on hold; type-ahead keys cleared; the claim function starts the
 * session; recording and media streaming off — on any failure no card prompt is played; then, in the
 * form's voice and with its time limits, one encrypted "Store customer input" per field, each handed to
 * the capture function, which answers only where to go next and what to say; a bounded wait for the
 * outcome; the outcome told; recording back on; the agent off hold; the caller back with the agent.
 */
import type { FormDefinition } from '../../lambdas/shared/session/forms';
import { CARD_FIELDS, type CardField } from '../../lambdas/shared/card/card-fields';
import { MAX_KEYS } from '../../lambdas/telephony/capture/card-capture';
import { promptsFor } from '../../lambdas/telephony/capture/prompts';
import { FLOW_INVOCATION_LIMIT_SECONDS, OPERATION, PARAM, type NextStep } from '../../lambdas/telephony/connect/contract';
import {
  buildFlow,
  compare,
  disconnectParticipant,
  equals,
  invokeLambdaFunction,
  messageParticipant,
  setTouchtoneBuffer,
  storeCustomerInput,
  updateContactMediaStreamingBehavior,
  updateContactRecordingBehavior,
  updateContactTextToSpeechVoice,
  updateFlowLoggingBehavior,
  updatePreviousContactParticipantState,
  type FlowAction,
  type FlowDocument,
} from './flow-language';

export interface SecureInputFlowProps {
  /** The forms callers may be asked to key a card for (their ivr settings drive voice and time limits). */
  forms: ReadonlyArray<Pick<FormDefinition, 'id' | 'ivr'>>;
  /** Lambda ARNs the flow invokes. */
  functions: { claim: string; capture: string; status: string };
  /** The flow security key: the id Connect gave the uploaded public key, and the matching X.509 certificate (PEM). */
  securityKey: { keyId: string; certificatePem: string };
  /**
   * Who is recorded once the secure part is over (the contact center's usual setting).
   * @default Agent and Customer, IVR recording on
   */
  recordAfter?: { participants: Array<'Agent' | 'Customer'>; ivr: boolean };
  /**
   * Language of the messages said before a form is known (a failure before the claim).
   * @default the first form's language
   */
  fallbackLanguage?: string;
}

/** Action identifiers the emulator and tests refer to. */
export const FLOW_ACTION = {
  start: 'logging-off',
  agentHold: 'agent-hold',
  clearBuffer: 'clear-buffer',
  claim: 'claim',
  claimRoute: 'claim-route',
  recordingOff: 'recording-off',
  streamingOff: 'streaming-off',
  recordingFailed: 'recording-failed',
  recordingSuspended: 'recording-suspended',
  formRoute: 'form-route',
  inputFailed: 'input-failed',
  holdMessage: 'hold-message',
  status: 'status',
  statusRoute: 'status-route',
  tell: 'tell-caller',
  refused: 'tell-refusal',
  unavailable: 'unavailable',
  unavailableAfterClaim: 'unavailable-after-claim',
  recordingOn: 'recording-on',
  offHold: 'agent-off-hold',
  end: 'return-to-agent',
} as const;

const FIELDS: readonly CardField[] = CARD_FIELDS;
/** The flow's prompt for the next field is whatever the last function answered. */
const NEXT_PROMPT = '$.External.prompt';
const NEXT_STEP = '$.External.next';
const CAPTURE_STATE = '$.External.state';

const formAction = (index: number, what: string): string => `form${index}-${what}`;

/** Builds the flow; throws FlowDefinitionError when it breaks a Flow-language rule (length included). */
export function buildSecureInputFlow(props: SecureInputFlowProps): FlowDocument {
  if (props.forms.length === 0) throw new Error('The secure-input flow needs at least one form.');
  const A = FLOW_ACTION;
  const fallback = promptsFor(props.fallbackLanguage ?? props.forms[0]?.ivr.language ?? 'en-US');
  const recordAfter = props.recordAfter ?? { participants: ['Agent', 'Customer'], ivr: true };
  const invoke = (id: string, arn: string, attributes: Record<string, string>, next: string, onFailure: string): FlowAction =>
    invokeLambdaFunction(
      id,
      {
        LambdaFunctionARN: arn,
        InvocationTimeLimitSeconds: String(FLOW_INVOCATION_LIMIT_SECONDS),
        InvocationType: 'SYNCHRONOUS',
        LambdaInvocationAttributes: attributes,
        ResponseValidation: { ResponseType: 'STRING_MAP' },
      },
      next,
      onFailure,
    );
  const route = (id: string, steps: Partial<Record<NextStep, string>>, otherwise: string): FlowAction =>
    compare(
      id,
      { ComparisonValue: NEXT_STEP },
      Object.entries(steps).map(([step, target]) => equals(step, target as string)),
      otherwise,
    );

  const actions: FlowAction[] = [
    updateFlowLoggingBehavior(A.start, { FlowLoggingBehavior: 'Disabled' }, A.agentHold),
    updatePreviousContactParticipantState(A.agentHold, { PreviousContactParticipantState: 'AgentOnHold' }, A.clearBuffer, A.unavailable),
    setTouchtoneBuffer(A.clearBuffer, { EnableDTMFBuffer: 'False' }, A.claim, A.unavailable),
    invoke(A.claim, props.functions.claim, { [PARAM.operation]: OPERATION.claim }, A.claimRoute, A.unavailable),
    route(A.claimRoute, { pan: A.recordingOff }, A.refused),
    // Fail closed: if recording or streaming cannot be stopped, the session aborts before any card prompt.
    updateContactRecordingBehavior(
      A.recordingOff,
      { RecordingBehavior: { RecordedParticipants: [], IVRRecordingBehavior: 'Disabled' } },
      A.streamingOff,
      A.recordingFailed,
    ),
    updateContactMediaStreamingBehavior(
      A.streamingOff,
      { MediaStreamingState: 'Disabled', Participants: [{ ParticipantType: 'Customer', MediaDirections: ['From', 'To'] }], MediaStreamType: 'Audio' },
      A.recordingSuspended,
      A.recordingFailed,
    ),
    invoke(
      A.recordingFailed,
      props.functions.capture,
      { [PARAM.operation]: OPERATION.recordingFailed, [PARAM.state]: CAPTURE_STATE },
      A.tell,
      A.unavailableAfterClaim,
    ),
    invoke(
      A.recordingSuspended,
      props.functions.capture,
      { [PARAM.operation]: OPERATION.recordingSuspended, [PARAM.state]: CAPTURE_STATE },
      A.formRoute,
      A.inputFailed,
    ),
    compare(
      A.formRoute,
      { ComparisonValue: '$.External.formId' },
      props.forms.map((f, i) => equals(f.id, formAction(i, 'voice'))),
      A.inputFailed,
    ),
  ];

  props.forms.forEach((form, i) => {
    const fieldTargets = Object.fromEntries(FIELDS.map((f) => [f, formAction(i, f)])) as Record<CardField, string>;
    actions.push(
      updateContactTextToSpeechVoice(
        formAction(i, 'voice'),
        { TextToSpeechVoice: form.ivr.voice, TextToSpeechEngine: form.ivr.engine === 'neural' ? 'Neural' : 'Standard' },
        formAction(i, 'route'),
        A.inputFailed,
      ),
      route(formAction(i, 'route'), { ...fieldTargets, wait: A.holdMessage, done: A.tell }, A.inputFailed),
    );
    for (const field of FIELDS) {
      actions.push(
        // No Play prompt before it: the block speaks the prompt itself, so keys pressed during it count.
        storeCustomerInput(
          fieldTargets[field],
          {
            StoreInput: 'True',
            Text: NEXT_PROMPT,
            InputTimeLimitSeconds: String(form.ivr.fieldTimeoutSeconds),
            DTMFConfiguration: { DisableCancelKey: 'True', InputTerminationSequence: '#', InterdigitTimeLimitSeconds: String(form.ivr.interDigitSeconds) },
            InputValidation: { CustomValidation: { MaximumLength: String(MAX_KEYS[field]) } },
            InputEncryption: { EncryptionKeyId: props.securityKey.keyId, Key: props.securityKey.certificatePem },
          },
          formAction(i, `${field}-check`),
          A.inputFailed,
        ),
        invoke(
          formAction(i, `${field}-check`),
          props.functions.capture,
          { [PARAM.operation]: OPERATION.field, [PARAM.field]: field, [PARAM.entry]: '$.StoredCustomerInput', [PARAM.state]: CAPTURE_STATE },
          formAction(i, 'route'),
          A.inputFailed,
        ),
      );
    }
  });

  actions.push(
    invoke(A.inputFailed, props.functions.capture, { [PARAM.operation]: OPERATION.inputFailed, [PARAM.state]: CAPTURE_STATE }, A.tell, A.unavailableAfterClaim),
    messageParticipant(A.holdMessage, { Text: NEXT_PROMPT }, A.status),
    invoke(A.status, props.functions.status, { [PARAM.operation]: OPERATION.status, [PARAM.state]: CAPTURE_STATE }, A.statusRoute, A.unavailableAfterClaim),
    route(A.statusRoute, { wait: A.status, done: A.tell }, A.unavailableAfterClaim),
    messageParticipant(A.tell, { Text: NEXT_PROMPT }, A.recordingOn),
    messageParticipant(A.refused, { Text: NEXT_PROMPT }, A.offHold),
    messageParticipant(A.unavailable, { Text: fallback.unavailable }, A.offHold),
    messageParticipant(A.unavailableAfterClaim, { Text: fallback.unavailable }, A.recordingOn),
    updateContactRecordingBehavior(
      A.recordingOn,
      { RecordingBehavior: { RecordedParticipants: [...recordAfter.participants], IVRRecordingBehavior: recordAfter.ivr ? 'Enabled' : 'Disabled' } },
      A.offHold,
      A.offHold,
    ),
    updatePreviousContactParticipantState(A.offHold, { PreviousContactParticipantState: 'OffHold' }, A.end, A.end),
    disconnectParticipant(A.end),
  );
  return buildFlow(A.start, actions);
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildFlow,
  compare,
  equals,
  flowContent,
  flowProblems,
  FlowDefinitionError,
  MAX_FLOW_CONTENT_CHARS,
  messageParticipant,
  disconnectParticipant,
  transitionTargets,
  type FlowAction,
  type FlowDocument,
} from '../../lib/connect/flow-language';
import { buildSecureInputFlow, FLOW_ACTION, type SecureInputFlowProps } from '../../lib/connect/secure-input-flow';
import { parseFormsConfig } from '../../lambdas/shared/session/forms-config';
import { MAX_KEYS } from '../../lambdas/telephony/capture/card-capture';

const forms = parseFormsConfig(JSON.parse(readFileSync(join(__dirname, '..', '..', 'config', 'forms.json'), 'utf8'))).forms;
const CERT = `-----BEGIN CERTIFICATE-----\n${'MIIB'.repeat(300)}\n-----END CERTIFICATE-----\n`;
const props: SecureInputFlowProps = {
  forms,
  functions: {
    claim: 'arn:aws:lambda:eu-west-2:111122223333:function:claim',
    capture: 'arn:aws:lambda:eu-west-2:111122223333:function:capture',
    status: 'arn:aws:lambda:eu-west-2:111122223333:function:status',
  },
  securityKey: { keyId: 'key-0001', certificatePem: CERT },
};

const byId = (doc: FlowDocument): Map<string, FlowAction> => new Map(doc.Actions.map((a) => [a.Identifier, a]));

/** Follows NextAction (the success path) from `from`, at most `limit` steps. */
function successPath(doc: FlowDocument, from: string, stopAt: (a: FlowAction) => boolean, limit = 40): string[] {
  const actions = byId(doc);
  const path: string[] = [];
  let current = actions.get(from);
  while (current && path.length < limit) {
    path.push(current.Identifier);
    if (stopAt(current) || !current.Transitions.NextAction) break;
    current = actions.get(current.Transitions.NextAction);
  }
  return path;
}

describe('Flow-language builders', () => {
  it('produce the documented document shape: version, start action, actions with Identifier, Type, Parameters, Transitions', () => {
    // Prepare / Act
    const doc = buildFlow('say', [messageParticipant('say', { Text: 'hello' }, 'bye'), disconnectParticipant('bye')]);
    // Assess
    expect(JSON.parse(flowContent(doc))).toEqual({
      Version: '2019-10-30',
      StartAction: 'say',
      Actions: [
        {
          Identifier: 'say',
          Type: 'MessageParticipant',
          Parameters: { Text: 'hello' },
          Transitions: { NextAction: 'bye', Errors: [{ NextAction: 'bye', ErrorType: 'NoMatchingError' }] },
        },
        { Identifier: 'bye', Type: 'DisconnectParticipant', Parameters: {}, Transitions: {} },
      ],
    });
  });

  it('route a Compare on conditions and send everything else down NoMatchingCondition', () => {
    const action = compare('route', { ComparisonValue: '$.External.next' }, [equals('pan', 'a')], 'b');
    expect(action.Transitions).toEqual({
      Conditions: [{ NextAction: 'a', Condition: { Operator: 'Equals', Operands: ['pan'] } }],
      Errors: [{ NextAction: 'b', ErrorType: 'NoMatchingCondition' }],
    });
  });

  it.each([
    ['a transition to a missing action', [messageParticipant('say', { Text: 'x' }, 'nowhere')], 'say', /leads to nowhere/],
    ['a repeated identifier', [disconnectParticipant('x'), disconnectParticipant('x')], 'x', /used twice/],
    ['a forbidden character in an identifier', [disconnectParticipant('a:b')], 'a:b', /forbids/],
    ['a missing start action', [disconnectParticipant('x')], 'y', /start action/],
  ])('refuse %s with a FlowDefinitionError', (_label, actions, start, message) => {
    expect(() => buildFlow(start as string, actions as FlowAction[])).toThrow(FlowDefinitionError);
    expect(() => buildFlow(start as string, actions as FlowAction[])).toThrow(message as RegExp);
  });
});

describe('secure-input flow', () => {
  const doc = buildSecureInputFlow(props);
  const actions = byId(doc);

  it('fits in a ContactFlow Content (≤ 256,000 characters) and passes every Flow-language check', () => {
    expect(flowContent(doc).length).toBeLessThanOrEqual(MAX_FLOW_CONTENT_CHARS);
    expect(flowProblems(doc)).toEqual([]);
  });

  it('disables logging, holds the agent, clears type-ahead keys and claims the request before anything else', () => {
    const path = successPath(doc, doc.StartAction, (a) => a.Identifier === FLOW_ACTION.claim);
    expect(path).toEqual([FLOW_ACTION.start, FLOW_ACTION.agentHold, FLOW_ACTION.clearBuffer, FLOW_ACTION.claim]);
    expect(actions.get(FLOW_ACTION.start)?.Parameters).toEqual({ FlowLoggingBehavior: 'Disabled' });
    expect(actions.get(FLOW_ACTION.agentHold)?.Parameters).toEqual({ PreviousContactParticipantState: 'AgentOnHold' });
    expect(actions.get(FLOW_ACTION.clearBuffer)?.Parameters).toEqual({ EnableDTMFBuffer: 'False' });
  });

  it('turns recording and streaming off before the first card prompt, and on failure reaches no card prompt at all', () => {
    const recordingOff = actions.get(FLOW_ACTION.recordingOff) as FlowAction;
    expect(recordingOff.Parameters).toEqual({ RecordingBehavior: { RecordedParticipants: [], IVRRecordingBehavior: 'Disabled' } });
    expect(recordingOff.Transitions.Errors).toEqual([{ NextAction: FLOW_ACTION.recordingFailed, ErrorType: 'NoMatchingError' }]);
    // Everything reachable from the failure path: no GetParticipantInput that stores input.
    const seen = new Set<string>();
    const walk = (id: string): void => {
      if (seen.has(id)) return;
      seen.add(id);
      for (const t of transitionTargets((actions.get(id) as FlowAction).Transitions)) walk(t);
    };
    walk(FLOW_ACTION.recordingFailed);
    const prompts = [...seen].filter((id) => (actions.get(id)?.Parameters as { StoreInput?: string }).StoreInput === 'True');
    expect(prompts).toEqual([]);
    expect(seen.has(FLOW_ACTION.offHold)).toBe(true);
  });

  it('asks each field with encrypted stored input, the form time limits, # to end and * passed to the capture rules', () => {
    forms.forEach((form, i) => {
      for (const field of ['pan', 'exp', 'cvv'] as const) {
        const input = actions.get(`form${i}-${field}`) as FlowAction<'GetParticipantInput'>;
        expect(input.Parameters).toEqual({
          StoreInput: 'True',
          Text: '$.External.prompt',
          InputTimeLimitSeconds: String(form.ivr.fieldTimeoutSeconds),
          DTMFConfiguration: { DisableCancelKey: 'True', InputTerminationSequence: '#', InterdigitTimeLimitSeconds: String(form.ivr.interDigitSeconds) },
          InputValidation: { CustomValidation: { MaximumLength: String(MAX_KEYS[field]) } },
          InputEncryption: { EncryptionKeyId: 'key-0001', Key: CERT },
        });
        const check = actions.get(input.Transitions.NextAction as string) as FlowAction<'InvokeLambdaFunction'>;
        expect(check.Type).toBe('InvokeLambdaFunction');
        expect(check.Parameters.LambdaFunctionARN).toBe(props.functions.capture);
        expect(check.Parameters.LambdaInvocationAttributes).toEqual({
          Operation: 'field',
          Field: field,
          CustomerEntry: '$.StoredCustomerInput',
          CaptureState: '$.External.state',
        });
        expect(Number(check.Parameters.InvocationTimeLimitSeconds)).toBeLessThanOrEqual(8);
      }
    });
  });

  it('speaks each form in its own voice and engine', () => {
    forms.forEach((form, i) => {
      expect(actions.get(`form${i}-voice`)?.Parameters).toEqual({
        TextToSpeechVoice: form.ivr.voice,
        TextToSpeechEngine: form.ivr.engine === 'neural' ? 'Neural' : 'Standard',
      });
    });
    const route = actions.get(FLOW_ACTION.formRoute) as FlowAction;
    expect(route.Transitions.Conditions?.map((c) => c.Condition.Operands[0])).toEqual(forms.map((f) => f.id));
  });

  it('ends by telling the caller, recording again, taking the agent off hold and returning the caller', () => {
    const path = successPath(doc, FLOW_ACTION.tell, (a) => a.Type === 'DisconnectParticipant');
    expect(path).toEqual([FLOW_ACTION.tell, FLOW_ACTION.recordingOn, FLOW_ACTION.offHold, FLOW_ACTION.end]);
    expect(actions.get(FLOW_ACTION.recordingOn)?.Parameters).toEqual({
      RecordingBehavior: { RecordedParticipants: ['Agent', 'Customer'], IVRRecordingBehavior: 'Enabled' },
    });
    expect(actions.get(FLOW_ACTION.offHold)?.Parameters).toEqual({ PreviousContactParticipantState: 'OffHold' });
  });

  it('returns a refused caller to the agent without touching recording', () => {
    expect(successPath(doc, FLOW_ACTION.refused, (a) => a.Type === 'DisconnectParticipant')).toEqual([
      FLOW_ACTION.refused,
      FLOW_ACTION.offHold,
      FLOW_ACTION.end,
    ]);
  });

  it('loops on the status function only through its own wait answer', () => {
    const route = actions.get(FLOW_ACTION.statusRoute) as FlowAction;
    expect(route.Transitions.Conditions).toEqual([equals('wait', FLOW_ACTION.status), equals('done', FLOW_ACTION.tell)]);
  });

  it('refuses a configuration whose flow would pass 256,000 characters, naming the size', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ id: `form-${i}`, ivr: forms[0]!.ivr }));
    expect(() => buildSecureInputFlow({ ...props, forms: many, securityKey: { keyId: 'k', certificatePem: `${CERT}${'A'.repeat(2000)}` } })).toThrow(
      /more than 256000/,
    );
  });

  it('refuses to build a flow without forms', () => {
    expect(() => buildSecureInputFlow({ ...props, forms: [] })).toThrow(/at least one form/);
  });
});

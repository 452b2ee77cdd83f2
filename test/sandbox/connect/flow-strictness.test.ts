/**
 * The emulator refuses flows that break the Flow language as documented, before they run: each bad flow
 * below gets a FlowValidationError naming its problem, and the good one is accepted unchanged.
 */
import { FlowValidationError, validateFlow, MAX_ACTIONS } from '../../../sandbox/connect/flow-catalog';
import { ConnectEmulator } from '../../../sandbox/connect/emulator';
import { secureTestFlow } from './test-flow';

type Flow = {
  Version: string;
  StartAction: string;
  Actions: Array<Record<string, unknown> & { Parameters: Record<string, unknown>; Transitions: Record<string, unknown> }>;
};

const good = (): Flow =>
  JSON.parse(JSON.stringify(secureTestFlow({ keyId: 'k', certificatePem: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----' }))) as Flow;
const action = (flow: Flow, id: string) => flow.Actions.find((a) => a.Identifier === id)!;

function problemsOf(flow: unknown): string[] {
  try {
    validateFlow(flow);
  } catch (err) {
    if (err instanceof FlowValidationError) return err.problems;
    throw err;
  }
  return [];
}

describe('flow strictness', () => {
  it('accepts the documented secure-input flow, as an object or as the Content text', () => {
    expect(problemsOf(good())).toEqual([]);
    expect(problemsOf(JSON.stringify(good()))).toEqual([]);
  });

  it('refuses an unknown action type', () => {
    const flow = good();
    action(flow, 'thanks').Type = 'PlayPrompt';
    expect(problemsOf(flow)).toEqual(['action thanks (PlayPrompt): unknown action type PlayPrompt']);
  });

  it('refuses an unknown or misspelt parameter, also inside nested objects', () => {
    const flow = good();
    action(flow, 'ask-card').Parameters.InputTimeoutSeconds = '10';
    (action(flow, 'ask-card').Parameters.DTMFConfiguration as Record<string, string>).DisableCancel = 'True';
    const problems = problemsOf(flow);
    expect(problems).toContain('action ask-card (GetParticipantInput) Parameters.InputTimeoutSeconds is not a documented parameter');
    expect(problems).toContain('action ask-card (GetParticipantInput) Parameters.DTMFConfiguration.DisableCancel is not a documented parameter');
  });

  it('refuses a value outside the documented set', () => {
    const flow = good();
    action(flow, 'agent-hold').Parameters.PreviousContactParticipantState = 'AgentHold';
    expect(problemsOf(flow)).toEqual([
      'action agent-hold (UpdatePreviousContactParticipantState) Parameters.PreviousContactParticipantState must be one of AgentOnHold, CustomerOnHold, OffHold',
    ]);
  });

  it('refuses a dynamic value where the page says it must be set statically', () => {
    const flow = good();
    action(flow, 'capture').Parameters.InvocationTimeLimitSeconds = '$.Attributes.limit';
    expect(problemsOf(flow)).toEqual(['action capture (InvokeLambdaFunction) Parameters.InvocationTimeLimitSeconds must be set statically']);
  });

  it('refuses a Lambda time limit above 8 seconds', () => {
    const flow = good();
    action(flow, 'capture').Parameters.InvocationTimeLimitSeconds = '9';
    expect(problemsOf(flow)).toEqual(['action capture (InvokeLambdaFunction) Parameters.InvocationTimeLimitSeconds must be one of 1, 2, 3, 4, 5, 6, 7, 8']);
  });

  it('refuses a JSONPath into data a flow does not have', () => {
    const flow = good();
    (action(flow, 'capture').Parameters.LambdaInvocationAttributes as Record<string, string>).entry = '$.StoredInput';
    expect(problemsOf(flow)).toEqual([
      'action capture (InvokeLambdaFunction) Parameters.LambdaInvocationAttributes.entry reads $.StoredInput, which is not flow data',
    ]);
  });

  it('refuses InputEncryption without CustomValidation, and stored input without validation', () => {
    const flow = good();
    action(flow, 'ask-card').Parameters.InputValidation = { PhoneNumberValidation: { NumberFormat: 'E164' } };
    expect(problemsOf(flow)).toEqual(['action ask-card (GetParticipantInput): InputEncryption may only be given with CustomValidation']);
    delete action(flow, 'ask-card').Parameters.InputValidation;
    expect(problemsOf(flow)).toContain('action ask-card (GetParticipantInput): InputValidation is required when StoreInput is True');
  });

  it('refuses two prompts on one block', () => {
    const flow = good();
    action(flow, 'ask-card').Parameters.SSML = '<speak>Card</speak>';
    expect(problemsOf(flow)).toEqual(['action ask-card (GetParticipantInput): only one of PromptId, Text, SSML and Media may be given (found Text, SSML)']);
  });

  it('refuses an input block without its required NoMatchingError branch, and undocumented error branches', () => {
    const flow = good();
    action(flow, 'ask-card').Transitions.Errors = [{ ErrorType: 'InputTimeLimitExceeded', NextAction: 'sorry' }];
    const problems = problemsOf(flow);
    expect(problems).toContain('action ask-card (GetParticipantInput): error branch InputTimeLimitExceeded is not documented for GetParticipantInput');
    expect(problems).toContain('action ask-card (GetParticipantInput): the NoMatchingError branch must be defined');
  });

  it('refuses conditions on stored input', () => {
    const flow = good();
    action(flow, 'ask-card').Transitions.Conditions = [{ NextAction: 'sorry', Condition: { Operator: 'Equals', Operands: ['1'] } }];
    expect(problemsOf(flow)).toEqual(['action ask-card (GetParticipantInput): conditions are not supported here']);
  });

  it('refuses a Loop without both of its conditions', () => {
    const flow = good();
    action(flow, 'tries').Transitions.Conditions = [{ NextAction: 'ask-card', Condition: { Operator: 'Equals', Operands: ['ContinueLooping'] } }];
    expect(problemsOf(flow)).toEqual(['action tries (Loop): Loop needs exactly one ContinueLooping and one DoneLooping condition']);
  });

  it('refuses a transition to an action the flow does not define, and a start that names none', () => {
    const flow = good();
    action(flow, 'thanks').Transitions.NextAction = 'nowhere';
    flow.StartAction = 'missing';
    const problems = problemsOf(flow);
    expect(problems).toContain('action thanks (MessageParticipant) NextAction leads to an action the flow does not define');
    expect(problems).toContain('StartAction must name an action of the flow');
  });

  it('refuses another Version, unknown top-level fields and unknown action fields', () => {
    const flow = good() as Flow & { Extra?: unknown };
    flow.Version = '2020-01-01';
    flow.Extra = true;
    action(flow, 'done').Comment = 'x';
    const problems = problemsOf(flow);
    expect(problems).toEqual(
      expect.arrayContaining([
        'Version must be 2019-10-30',
        'Extra is not a flow field',
        'action done (DisconnectParticipant): Comment is not an action field',
      ]),
    );
  });

  it('refuses more than 250 actions and content over 256,000 characters', () => {
    const many = {
      Version: '2019-10-30',
      StartAction: 'a0',
      Actions: Array.from({ length: MAX_ACTIONS + 1 }, (_, i) => ({ Identifier: `a${i}`, Type: 'EndFlowExecution', Parameters: {}, Transitions: {} })),
    };
    expect(problemsOf(many)).toEqual([`a flow may hold at most ${MAX_ACTIONS} actions`]);
    const big = good();
    action(big, 'thanks').Parameters.Text = 'x'.repeat(256_001);
    expect(problemsOf(JSON.stringify(big))[0]).toMatch(/the flow content is \d+ characters; the limit is 256000/);
  });

  it('gives every problem at once, and the emulator will not take such a flow', () => {
    const flow = good();
    action(flow, 'thanks').Type = 'PlayPrompt';
    action(flow, 'capture').Parameters.InvocationTimeLimitSeconds = '30';
    expect(problemsOf(flow)).toHaveLength(2);
    expect(() => new ConnectEmulator().addFlow('arn:flow', flow)).toThrow(FlowValidationError);
  });
});

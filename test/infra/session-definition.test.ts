/** The state machine definition the sandbox runs is the one CDK deploys, in JSONPath the local engine supports. */
import { STATE } from '../../lambdas/shared/session/contract';
import { LAMBDA_TRANSIENT_ERRORS } from '../../lib/constructs/session-state-machine';
import { placeholderFunctionArn, synthesizeSessionDefinition } from '../../lib/session-definition';

interface AslState {
  Type: string;
  Resource?: string;
  TimeoutSeconds?: number;
  Retry?: { ErrorEquals: string[]; IntervalSeconds: number; BackoffRate: number; MaxAttempts: number }[];
  Catch?: { ErrorEquals: string[]; ResultPath: string; Next: string }[];
  Parameters?: unknown;
  ResultPath?: string | null;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: { Variable: string; StringEquals: string; Next: string }[];
  [key: string]: unknown;
}

const states = (): Record<string, AslState> => synthesizeSessionDefinition().definition.States as Record<string, AslState>;

describe('synthesizeSessionDefinition', () => {
  it('names its states exactly after the shared STATE values', () => {
    // Prepare
    const expected = Object.values(STATE).sort();
    // Act
    const { definition } = synthesizeSessionDefinition();
    // Assess
    expect(Object.keys(definition.States as object).sort()).toEqual(expected);
    expect(definition.StartAt).toBe(STATE.begin);
  });

  it('maps every Task state to the handler that runs it', () => {
    // Prepare
    const all = states();
    // Act
    const { functionIds } = synthesizeSessionDefinition();
    // Assess
    const tasks = Object.entries(all)
      .filter(([, s]) => s.Type === 'Task')
      .map(([name]) => name);
    expect(Object.keys(functionIds).sort()).toEqual(tasks.sort());
    for (const name of tasks) {
      const state = all[name] as AslState;
      const arn = state.Resource?.startsWith('arn:aws:lambda:') ? state.Resource : (state.Parameters as { FunctionName: string }).FunctionName;
      expect(arn).toBe(placeholderFunctionArn(functionIds[name] as never));
    }
  });

  it('uses no JSONata, variables or unresolved CloudFormation tokens', () => {
    // Prepare / Act
    const text = JSON.stringify(synthesizeSessionDefinition().definition);
    // Assess
    expect(text).not.toMatch(/JSONata/i);
    expect(text).not.toContain('"Assign"');
    expect(text).not.toMatch(/\{%|\$\{Token|Fn::/);
  });

  it("bounds every Task with a timeout and sends every failure but Abort's to Abort", () => {
    // Prepare / Act
    const all = states();
    // Assess
    for (const [name, state] of Object.entries(all).filter(([, s]) => s.Type === 'Task')) {
      expect(state.TimeoutSeconds).toBeGreaterThan(0);
      const target = name === STATE.abort ? STATE.abortFailed : STATE.abort;
      expect(state.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: target }]);
    }
    expect(all[STATE.getKey]?.TimeoutSeconds).toBe(600);
    expect(all[STATE.abortFailed]?.Type).toBe('Fail');
    expect(all[STATE.abort]?.Next).toBe(STATE.aborted);
    expect(all[STATE.aborted]?.Type).toBe('Succeed');
  });

  it('retries transient Lambda errors on every Task except GetKey, which would restart the IVR', () => {
    // Prepare / Act
    const all = states();
    // Assess
    expect(all[STATE.getKey]?.Retry).toBeUndefined();
    for (const name of [STATE.begin, STATE.infoInsert, STATE.validate, STATE.end, STATE.abort]) {
      expect(all[name]?.Retry).toEqual([{ ErrorEquals: LAMBDA_TRANSIENT_ERRORS, IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 3 }]);
    }
  });

  it("waits for the SMA handler's task token in GetKey and passes only the session and the token", () => {
    // Prepare / Act
    const getKey = states()[STATE.getKey] as AslState;
    // Assess
    expect(getKey.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect((getKey.Parameters as { Payload: unknown }).Payload).toEqual({ 'session.$': '$.session', 'taskToken.$': '$$.Task.Token' });
    expect(getKey.ResultPath).toBe('$.capture');
  });

  it('routes on the capture status and passes only the vault reference on, never card data', () => {
    // Prepare / Act
    const all = states();
    // Assess
    expect(all[STATE.captured]).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.capture.status', StringEquals: 'captured', Next: STATE.infoInsert }],
      Default: STATE.end,
    });
    expect(all[STATE.infoInsert]).toMatchObject({
      Parameters: { 'session.$': '$.session', 'vaultRef.$': '$.capture.vaultRef', 'fields.$': '$.fields' },
      ResultPath: null,
      Next: STATE.validate,
    });
    expect(all[STATE.validate]).toMatchObject({
      Parameters: { 'session.$': '$.session', 'vaultRef.$': '$.capture.vaultRef' },
      ResultPath: '$.validation',
      Next: STATE.end,
    });
    expect(all[STATE.begin]).toMatchObject({ ResultPath: '$.session' });
    // End and Abort get the whole state and their result is the execution output.
    for (const name of [STATE.end, STATE.abort]) {
      expect(all[name]?.Parameters).toBeUndefined();
      expect(all[name]?.ResultPath).toBeUndefined();
      expect(all[name]?.OutputPath).toBeUndefined();
    }
  });
});

import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  runDefinitionLocally,
  startStepFunctions,
  StepFunctionsDefinitionError,
  type InvokeFunction,
  type StepFunctionsEngine,
} from '../../../sandbox/engines/stepfunctions';

const BEGIN_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:begin';
const COLLECT_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:collect';
const VALIDATE_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:validate';
const ROLES = { [BEGIN_ARN]: 'begin-role', [COLLECT_ARN]: 'collect-role', validate: 'validate-role', Abort: 'abort-role' };

/** Begin (function ARN) → Collect (callback) → Validate (lambda:invoke); failures go to Abort. */
function definition(collectTimeoutSeconds: number): object {
  return {
    StartAt: 'Begin',
    States: {
      Begin: { Type: 'Task', Resource: BEGIN_ARN, TimeoutSeconds: 5, Next: 'Collect' },
      Collect: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: { FunctionName: COLLECT_ARN, Payload: { 'taskToken.$': '$$.Task.Token', 'sessionId.$': '$.sessionId', 'mode.$': '$.mode' } },
        TimeoutSeconds: collectTimeoutSeconds,
        ResultPath: '$.capture',
        Catch: [{ ErrorEquals: ['CallerHungUp', 'States.Timeout'], ResultPath: '$.failure', Next: 'Abort' }],
        Next: 'Validate',
      },
      Validate: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'validate', 'Payload.$': '$' },
        OutputPath: '$.Payload',
        TimeoutSeconds: 5,
        Retry: [{ ErrorEquals: ['FlakyError'], MaxAttempts: 2, IntervalSeconds: 5 }],
        Catch: [{ ErrorEquals: ['FooError'], ResultPath: '$.failure', Next: 'Abort' }],
        End: true,
      },
      Abort: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'abort', 'Payload.$': '$' },
        ResultSelector: { 'aborted.$': '$.Payload.aborted' },
        ResultPath: '$.abort',
        TimeoutSeconds: 5,
        End: true,
      },
    },
  };
}

class FooError extends Error {
  public constructor() {
    super('The validation service refused the request.');
    this.name = 'FooError';
  }
}

class FlakyError extends Error {
  public constructor() {
    super('Try again.');
    this.name = 'FlakyError';
  }
}

const sdkClient = (endpoint: string): SFNClient =>
  new SFNClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' }, maxAttempts: 1 });

describe('local Step Functions engine', () => {
  let engine: StepFunctionsEngine;
  let sfn: SFNClient;
  let calls: Array<{ role: string; payload: any }>;
  let issuedTokens: string[];

  /** The "Lambda functions": behaviour chosen by the execution input's `mode`. */
  const invoke: InvokeFunction = async (role, payload: any, context) => {
    calls.push({ role, payload });
    const client = sdkClient(context.sfnEndpoint);
    switch (role) {
      case 'begin-role':
        return { ...payload, begun: true };
      case 'collect-role': {
        issuedTokens.push(payload.taskToken);
        const answer = () => {
          if (payload.mode === 'hangup')
            return client.send(new SendTaskFailureCommand({ taskToken: payload.taskToken, error: 'CallerHungUp', cause: 'The caller hung up.' }));
          return client
            .send(new SendTaskHeartbeatCommand({ taskToken: payload.taskToken }))
            .then(() => client.send(new SendTaskSuccessCommand({ taskToken: payload.taskToken, output: JSON.stringify({ vaultRef: 'vault-1' }) })));
        };
        // Answer later, as the SMA handler does once the caller has keyed the card.
        if (payload.mode !== 'silent') setTimeout(() => void answer().finally(() => client.destroy()), 20);
        return { accepted: true };
      }
      case 'validate-role':
        if (payload.mode === 'foo') throw new FooError();
        if (payload.mode === 'flaky' && calls.filter((c) => c.role === 'validate-role').length === 1) throw new FlakyError();
        return { outcome: 'accepted', vaultRef: payload.capture.vaultRef };
      case 'abort-role':
        return { aborted: true };
      default:
        throw new Error('unexpected role');
    }
  };

  const start = async (collectTimeoutSeconds = 5): Promise<void> => {
    engine = await startStepFunctions({ definition: definition(collectTimeoutSeconds), invoke, functionRoles: ROLES, waitTimeScale: 0 });
    sfn = sdkClient(engine.endpoint);
  };

  beforeEach(() => {
    calls = [];
    issuedTokens = [];
  });

  afterEach(async () => {
    sfn?.destroy();
    await engine?.close();
  });

  it('runs an execution to SUCCEEDED when the callback task is completed later with SendTaskSuccess', async () => {
    // Prepare
    await start();

    // Act
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: engine.stateMachineArn, input: JSON.stringify({ sessionId: 's1', mode: 'ok' }) }),
    );
    await engine.waitForExecution(executionArn!);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));

    // Assess
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output!)).toEqual({ outcome: 'accepted', vaultRef: 'vault-1' });
    expect(described.startDate).toBeInstanceOf(Date);
    expect(described.stopDate!.getTime()).toBeGreaterThanOrEqual(described.startDate!.getTime());
    expect(calls.map((c) => c.role)).toEqual(['begin-role', 'collect-role', 'validate-role']);
    expect(calls[1]!.payload).toEqual({ taskToken: issuedTokens[0], sessionId: 's1', mode: 'ok' });
    expect(issuedTokens[0]!.length).toBeGreaterThanOrEqual(64);
    expect(engine.counts()).toEqual({
      'states:DescribeExecution': 1,
      'states:SendTaskHeartbeat': 1,
      'states:SendTaskSuccess': 1,
      'states:StartExecution': 1,
    });
    expect(engine.transitionCount()).toBe(3);
    expect(engine.pendingTaskTokens()).toBe(0);
  });

  it('routes a SendTaskFailure to the Catch that names its error', async () => {
    // Prepare
    await start();

    // Act
    const arn = engine.startExecution({ sessionId: 's1', mode: 'hangup' });
    const described = await engine.waitForExecution(arn);

    // Assess
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output!)).toMatchObject({ failure: { Error: 'CallerHungUp', Cause: 'The caller hung up.' }, abort: { aborted: true } });
    expect(calls.map((c) => c.role)).not.toContain('validate-role');
  });

  it('fails a callback task nobody answers with States.Timeout, and then refuses its token as TaskTimedOut', async () => {
    // Prepare
    await start(1);

    // Act
    const arn = engine.startExecution({ sessionId: 's1', mode: 'silent' });
    const described = await engine.waitForExecution(arn);
    const late = await sfn.send(new SendTaskSuccessCommand({ taskToken: issuedTokens[0], output: '{}' })).catch((err: Error) => err);

    // Assess
    expect(JSON.parse(described.output!)).toMatchObject({ failure: { Error: 'States.Timeout' } });
    expect(late).toMatchObject({ name: 'TaskTimedOut' });
  });

  it('surfaces a Lambda error under its own name, so a Catch on FooError takes it with the Lambda error as Cause', async () => {
    // Prepare
    await start();

    // Act
    const arn = engine.startExecution({ sessionId: 's1', mode: 'foo' });
    const described = await engine.waitForExecution(arn);

    // Assess
    const output = JSON.parse(described.output!);
    expect(output.failure.Error).toBe('FooError');
    expect(JSON.parse(output.failure.Cause)).toEqual({ errorType: 'FooError', errorMessage: 'The validation service refused the request.' });
    expect(output.abort).toEqual({ aborted: true });
  });

  it('retries a task on the error name its Retry lists, without waiting real seconds when scaled to 0', async () => {
    // Prepare
    await start();

    // Act
    const arn = engine.startExecution({ sessionId: 's1', mode: 'flaky' });
    const described = await engine.waitForExecution(arn, 4000);

    // Assess
    expect(described.status).toBe('SUCCEEDED');
    expect(calls.filter((c) => c.role === 'validate-role')).toHaveLength(2);
    expect(
      engine
        .history(arn)
        .filter((e) => e.type === 'StateRetried')
        .map((e) => e.stateName),
    ).toEqual(['Validate']);
  });

  it('answers TaskDoesNotExist for a token it never issued', async () => {
    // Prepare
    await start();

    // Act
    const attempt = await sfn.send(new SendTaskSuccessCommand({ taskToken: 'not-a-real-token', output: '{}' })).catch((err: Error) => err);

    // Assess
    expect(attempt).toMatchObject({ name: 'TaskDoesNotExist', $metadata: { httpStatusCode: 400 } });
  });

  it('reports a failed execution with the uncaught error name and cause', async () => {
    // Prepare
    engine = await startStepFunctions({
      definition: { StartAt: 'Validate', States: { Validate: { Type: 'Task', Resource: VALIDATE_ARN, TimeoutSeconds: 5, End: true } } },
      invoke: async () => {
        throw new FooError();
      },
      functionRoles: { Validate: 'validate-role' },
    });
    sfn = sdkClient(engine.endpoint);

    // Act
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: engine.stateMachineArn, name: 'failing-1', input: '{}' }));
    await engine.waitForExecution(executionArn!);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));

    // Assess
    expect(described).toMatchObject({ status: 'FAILED', error: 'FooError', name: 'failing-1' });
    expect(JSON.parse(described.cause!)).toMatchObject({ errorType: 'FooError' });
    expect(described.output).toBeUndefined();
  });

  it('aborts a waiting execution on StopExecution and forgets its task token', async () => {
    // Prepare
    await start();
    const arn = engine.startExecution({ sessionId: 's1', mode: 'silent' });
    for (let i = 0; i < 100 && engine.pendingTaskTokens() === 0; i += 1) await new Promise((r) => setTimeout(r, 5));

    // Act
    await sfn.send(new StopExecutionCommand({ executionArn: arn, error: 'AgentCancelled' }));
    const described = await engine.waitForExecution(arn);
    const late = await sfn.send(new SendTaskSuccessCommand({ taskToken: issuedTokens[0], output: '{}' })).catch((err: Error) => err);

    // Assess
    expect(described).toMatchObject({ status: 'ABORTED', error: 'AgentCancelled' });
    expect(engine.pendingTaskTokens()).toBe(0);
    expect(engine.runningCount()).toBe(0);
    expect(late).toMatchObject({ name: 'TaskDoesNotExist' });
  });

  it('keeps a history with every state input and output and the payload each function received', async () => {
    // Prepare
    await start();

    // Act
    const arn = engine.startExecution({ sessionId: 's1', mode: 'ok' }, 'history-1');
    await engine.waitForExecution(arn);
    const history = engine.history(arn);

    // Assess
    expect(history.filter((e) => e.type === 'StateEntered').map((e) => e.stateName)).toEqual(['Begin', 'Collect', 'Validate']);
    expect(history.find((e) => e.type === 'StateExited' && e.stateName === 'Collect')?.output).toEqual({
      sessionId: 's1',
      mode: 'ok',
      begun: true,
      capture: { vaultRef: 'vault-1' },
    });
    expect(history.find((e) => e.type === 'TaskScheduled' && e.stateName === 'Collect')?.input).toEqual({
      taskToken: issuedTokens[0],
      sessionId: 's1',
      mode: 'ok',
    });
    expect(history.at(-1)).toMatchObject({ type: 'ExecutionSucceeded', output: { outcome: 'accepted', vaultRef: 'vault-1' } });
    expect(engine.executions().map((e) => e.name)).toEqual(['history-1']);
  });

  it('refuses StartExecution for another state machine and a clashing execution name', async () => {
    // Prepare
    await start();
    const input = JSON.stringify({ sessionId: 's1', mode: 'silent' });
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: engine.stateMachineArn, name: 'same', input }));

    // Act
    const wrongMachine = await sfn.send(new StartExecutionCommand({ stateMachineArn: `${engine.stateMachineArn}-other`, input })).catch((err: Error) => err);
    const repeat = await sfn.send(new StartExecutionCommand({ stateMachineArn: engine.stateMachineArn, name: 'same', input }));
    const clash = await sfn.send(new StartExecutionCommand({ stateMachineArn: engine.stateMachineArn, name: 'same', input: '{}' })).catch((err: Error) => err);

    // Assess
    expect(wrongMachine).toMatchObject({ name: 'StateMachineDoesNotExist' });
    expect(repeat.executionArn).toBe(first.executionArn);
    expect(clash).toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('refuses at start a definition with an unsupported resource or a task without a role, naming the states', async () => {
    // Prepare
    const bad = {
      StartAt: 'Put',
      States: {
        Put: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: {}, Next: 'Orphan' },
        Orphan: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:orphan', End: true },
      },
    };

    // Act
    const attempt = startStepFunctions({ definition: bad, invoke, functionRoles: {} });

    // Assess
    await expect(attempt).rejects.toThrow(StepFunctionsDefinitionError);
    await expect(attempt).rejects.toThrow(/task Put uses an unsupported resource.*task Orphan has no role/);
  });

  it('fails a callback task whose heartbeat stops with States.HeartbeatTimeout, before its task timeout', async () => {
    // Prepare
    const withHeartbeat = {
      StartAt: 'Collect',
      States: {
        Collect: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: COLLECT_ARN, Payload: { 'taskToken.$': '$$.Task.Token', mode: 'silent' } },
          TimeoutSeconds: 20,
          HeartbeatSeconds: 1,
          Catch: [{ ErrorEquals: ['States.HeartbeatTimeout'], ResultPath: '$.failure', Next: 'Done' }],
          Next: 'Done',
        },
        Done: { Type: 'Pass', End: true },
      },
    };

    // Act
    const { execution } = await runDefinitionLocally({ definition: withHeartbeat, invoke, functionRoles: ROLES, input: {}, timeoutMs: 10_000 });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toMatchObject({ failure: { Error: 'States.HeartbeatTimeout' } });
  });

  it('runs a definition once on a throwaway engine with runDefinitionLocally', async () => {
    // Prepare
    const simple = { StartAt: 'Begin', States: { Begin: { Type: 'Task', Resource: BEGIN_ARN, TimeoutSeconds: 5, End: true } } };

    // Act
    const { execution, history } = await runDefinitionLocally({ definition: simple, invoke, functionRoles: ROLES, input: { sessionId: 's9' } });

    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({ sessionId: 's9', begun: true });
    expect(history.some((e) => e.type === 'ExecutionSucceeded')).toBe(true);
  });
});

describe('closing the local Step Functions engine', () => {
  it('lets a function already running finish before close() resolves, so storage can close after it', async () => {
    // Prepare: Begin's function is still working (its writes not done) when the engine is closed.
    let release: () => void = () => undefined;
    let started: () => void = () => undefined;
    const running = new Promise<void>((r) => (started = r));
    let finished = false;
    const invoke: InvokeFunction = async () => {
      started();
      await new Promise<void>((r) => (release = r));
      finished = true;
      return {};
    };
    const simple = { StartAt: 'Begin', States: { Begin: { Type: 'Task', Resource: BEGIN_ARN, TimeoutSeconds: 5, End: true } } };
    const engine = await startStepFunctions({ definition: simple, invoke, functionRoles: ROLES, waitTimeScale: 0 });
    const sfn = new SFNClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } });
    await sfn.send(new StartExecutionCommand({ stateMachineArn: engine.stateMachineArn, input: '{}' }));
    await running;
    sfn.destroy();

    // Act: the function finishes a little after close() is called.
    setTimeout(() => release(), 100);
    let finishedWhenClosed: boolean | undefined;
    await engine.close().then(() => (finishedWhenClosed = finished));

    // Assess
    expect(finishedWhenClosed).toBe(true);
  });
});

/**
 * The sandbox's Step Functions: the SFN JSON 1.0 protocol on loopback (StartExecution,
 * DescribeExecution, StopExecution, SendTaskSuccess/Failure/Heartbeat), running each execution with
 * aws-local-stepfunctions on the very definition CDK synthesizes (JSONPath only).
 *
 * The library runs Task states through local overrides keyed by state name; this engine supplies
 * them for the three Lambda forms the product uses, calling `invoke(role, payload)` instead of Lambda:
 * - a function ARN as Resource: the state input goes in, the function's result comes out;
 * - `arn:aws:states:::lambda:invoke`: Parameters `{ FunctionName, Payload }` in, `{ Payload, … }` out;
 * - `…lambda:invoke.waitForTaskToken`: the library has no task tokens, so `$$.Task.Token` resolves to a
 *   placeholder from the run's context, replaced here by a freshly minted token; the task then waits
 *   until SendTaskSuccess / SendTaskFailure arrives over HTTP, or the task times out.
 * Errors keep their name (the Lambda error type), so Retry and Catch match on it as in AWS, and the
 * Cause is the Lambda error JSON `{ errorType, errorMessage }`.
 *
 * Differences from AWS that matter here: Task TimeoutSeconds defaults to 60 s (AWS: no limit), so
 * set it; HeartbeatSeconds is enforced by this engine for callback tasks only; JSONata and Assign are
 * not supported by the library (checked at start).
 */
import '../polyfills';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
  type RunOptions,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { AwsServiceError, optionalString, requiredString, startAwsJsonServer } from './aws-json-server';
import type { FaultInjection, RequestCounter } from './request-counter';

/** Where the Lambda call came from: lets the caller route it, and tells callback Lambdas where to answer. */
export interface InvokeContext {
  stateName: string;
  executionArn: string;
  /** The engine's endpoint, for `SFNClient({ endpoint })` in callback handlers. */
  sfnEndpoint: string;
}

export type InvokeFunction = (role: string, payload: unknown, context: InvokeContext) => Promise<unknown>;

export interface StepFunctionsEngineOptions {
  /** The state machine definition (ASL, JSONPath), as an object or JSON text. */
  definition: object | string;
  /** Runs "the Lambda function" with the given role; its result is the task result, a throw its error. */
  invoke: InvokeFunction;
  /** Role per Lambda function (ARN or function name) or per Task state name. */
  functionRoles: Record<string, string>;
  /**
   * When set, Wait states (with `Seconds`) and Retry intervals take `seconds × scale` instead of real
   * time; 0 makes them immediate. Task and heartbeat timeouts stay real. @default real time
   */
  waitTimeScale?: number;
  port?: number;
  /** @default arn:aws:states:<region>:000000000000:stateMachine:SecureSession */
  stateMachineArn?: string;
  region?: string;
  /** Finished executions kept for DescribeExecution and `history`; the oldest are forgotten first. @default 10000 */
  retainExecutions?: number;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionDescription {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  /** JSON text, as in the API. */
  input: string;
  output?: string;
  error?: string;
  cause?: string;
}

/**
 * One step of an execution: the library's event log (ExecutionStarted, StateEntered, StateExited,
 * StateFailed, StateRetried, StateCaught, Map/Parallel events, Execution*) plus this engine's task
 * events: TaskScheduled (the payload sent to the function), TaskSubmitted (what a callback function
 * returned), TaskSucceeded (a function's result or a SendTaskSuccess output), TaskFailed, TaskTimedOut.
 */
export interface HistoryEvent {
  type: string;
  timestamp: number;
  stateName?: string;
  stateType?: string;
  input?: unknown;
  output?: unknown;
  error?: string;
  cause?: unknown;
  index?: number;
}

export interface StepFunctionsEngine extends RequestCounter, FaultInjection {
  endpoint: string;
  stateMachineArn: string;
  /** Starts an execution in-process (not counted as an AWS request). Returns its ARN. */
  startExecution(input: unknown, name?: string): string;
  describe(executionArn: string): ExecutionDescription;
  history(executionArn: string): HistoryEvent[];
  executions(): ExecutionDescription[];
  /** Resolves when the execution has finished (any status); rejects after `timeoutMs`. */
  waitForExecution(executionArn: string, timeoutMs?: number): Promise<ExecutionDescription>;
  runningCount(): number;
  /** Callback tasks waiting for SendTaskSuccess/Failure. */
  pendingTaskTokens(): number;
  /** State transitions (states entered) since start or the last reset: the unit Standard workflows bill. */
  transitionCount(): number;
  close(): Promise<void>;
}

/** The definition cannot run locally; lists every problem found. */
export class StepFunctionsDefinitionError extends Error {
  public constructor(problems: string[]) {
    super(`The state machine definition cannot run in the local engine: ${problems.join('; ')}.`);
    this.name = 'StepFunctionsDefinitionError';
  }
}

/** A task failure with the error name Retry and Catch match on; the message becomes the Cause. */
class TaskError extends Error {
  public constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type LibraryEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type TaskKind = 'function' | 'invoke' | 'callback';

interface TaskPlan {
  stateName: string;
  kind: TaskKind;
  resource: string;
  /** The library's effective timeout (60 s when unset), or undefined when it comes from a path. */
  timeoutSeconds?: number;
  heartbeatSeconds?: number;
}

interface ExecutionRecord extends ExecutionDescription {
  events: HistoryEvent[];
  abort: () => void;
  done: Promise<void>;
  tokens: Set<string>;
}

interface PendingTask {
  executionArn: string;
  stateName: string;
  resolve: (output: Json) => void;
  reject: (err: Error) => void;
  timers: NodeJS.Timeout[];
  heartbeat?: { ms: number; timer?: NodeJS.Timeout };
}

const LAMBDA_ARN = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/;
const INVOKE = /^arn:[^:]+:states:::lambda:invoke$/;
const CALLBACK = /^arn:[^:]+:states:::lambda:invoke\.waitForTaskToken$/;
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;
const MAX_PAYLOAD_BYTES = 256 * 1024;
const DEFAULT_TASK_TIMEOUT_SECONDS = 60;
const MAX_REMEMBERED_TIMEOUTS = 10_000;
/** How long close() lets functions already running finish before the engine stops. */
const INVOCATION_GRACE_MS = 5_000;

type StateMap = Record<string, Record<string, unknown>>;

/** Every state of the machine, nested Parallel branches and Map processors included. */
function allStates(states: StateMap, into: Array<[string, Record<string, unknown>]> = []): Array<[string, Record<string, unknown>]> {
  for (const [name, state] of Object.entries(states)) {
    into.push([name, state]);
    for (const branch of (state.Branches as Array<{ States: StateMap }> | undefined) ?? []) allStates(branch.States, into);
    for (const nested of [state.Iterator, state.ItemProcessor] as Array<{ States: StateMap } | undefined>) if (nested) allStates(nested.States, into);
  }
  return into;
}

const toJson = (value: unknown): Json => (value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json));

/** Lambda's error shape: the type names the error, the Cause is the JSON Lambda reports. */
function lambdaError(err: unknown): TaskError {
  const errorType = err instanceof Error && err.name ? err.name : 'Error';
  const errorMessage = err instanceof Error ? err.message : 'The function failed.';
  return new TaskError(errorType, JSON.stringify({ errorType, errorMessage }));
}

function replaceToken(value: Json, placeholder: string, token: string): Json {
  if (typeof value === 'string') return value.includes(placeholder) ? value.split(placeholder).join(token) : value;
  if (Array.isArray(value)) return value.map((v) => replaceToken(v, placeholder, token));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceToken(v, placeholder, token)]));
  return value;
}

function historyEvent(event: LibraryEvent): HistoryEvent {
  const e = event as unknown as Record<string, unknown>;
  const out: HistoryEvent = { type: String(e.type), timestamp: Number(e.timestamp) };
  const state = (e.state ?? e.parentState) as { name: string; type: string; input: unknown; output?: unknown } | undefined;
  if (state) {
    out.stateName = state.name;
    out.stateType = state.type;
    out.input = state.input;
    if ('output' in state) out.output = state.output;
  }
  if ('input' in e) out.input = e.input;
  if ('output' in e) out.output = e.output;
  if (typeof e.Error === 'string') out.error = e.Error;
  if ('Cause' in e) out.cause = e.Cause;
  if (typeof e.index === 'number') out.index = e.index;
  return out;
}

function describeRecord(r: ExecutionRecord): ExecutionDescription {
  const { events: _events, abort: _abort, done: _done, tokens: _tokens, ...description } = r;
  return { ...description };
}

export async function startStepFunctions(options: StepFunctionsEngineOptions): Promise<StepFunctionsEngine> {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const stateMachineArn = options.stateMachineArn ?? `arn:aws:states:${region}:000000000000:stateMachine:SecureSession`;
  const machineName = stateMachineArn.split(':').pop() ?? 'SecureSession';
  const executionPrefix = stateMachineArn.replace(':stateMachine:', ':execution:');
  const retain = options.retainExecutions ?? 10_000;
  const definition = JSON.parse(typeof options.definition === 'string' ? options.definition : JSON.stringify(options.definition)) as StateMachineDefinition;
  const tokenPlaceholder = `sandbox-task-token-${randomUUID()}`;

  // Plan every Task once, and refuse at start what cannot run locally.
  const roleIndex = new Map<string, string>();
  for (const [ref, role] of Object.entries(options.functionRoles)) {
    roleIndex.set(ref, role);
    const name = LAMBDA_ARN.exec(ref)?.[1];
    if (name !== undefined && !roleIndex.has(name)) roleIndex.set(name, role);
  }
  const roleFor = (functionRef: string | undefined, stateName: string): string | undefined =>
    (functionRef === undefined ? undefined : (roleIndex.get(functionRef) ?? roleIndex.get(LAMBDA_ARN.exec(functionRef)?.[1] ?? ''))) ??
    (Object.hasOwn(options.functionRoles, stateName) ? options.functionRoles[stateName] : undefined);

  const problems: string[] = [];
  const tasks: TaskPlan[] = [];
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number[]> = {};
  const scale = options.waitTimeScale;
  for (const [stateName, state] of allStates(definition.States as unknown as StateMap)) {
    if (state.QueryLanguage === 'JSONata' || 'Assign' in state) problems.push(`state ${stateName} uses JSONata or Assign, which the local engine ignores`);
    if (scale !== undefined && state.Type === 'Wait') {
      if (typeof state.Seconds === 'number') waitTimeOverrides[stateName] = state.Seconds * 1000 * scale;
      else if (scale === 0) waitTimeOverrides[stateName] = 0;
    }
    if (scale !== undefined && Array.isArray(state.Retry)) {
      retryIntervalOverrides[stateName] = (state.Retry as Array<{ IntervalSeconds?: number }>).map((r) => (r.IntervalSeconds ?? 1) * 1000 * scale);
    }
    if (state.Type !== 'Task') continue;
    const resource = String(state.Resource);
    const kind: TaskKind | undefined = LAMBDA_ARN.test(resource)
      ? 'function'
      : INVOKE.test(resource)
        ? 'invoke'
        : CALLBACK.test(resource)
          ? 'callback'
          : undefined;
    if (kind === undefined) {
      problems.push(`task ${stateName} uses an unsupported resource (only Lambda functions, lambda:invoke and lambda:invoke.waitForTaskToken)`);
      continue;
    }
    const parameters = state.Parameters as Record<string, unknown> | undefined;
    const staticFunction = kind === 'function' ? resource : typeof parameters?.FunctionName === 'string' ? parameters.FunctionName : undefined;
    const dynamicFunction = kind !== 'function' && parameters !== undefined && 'FunctionName.$' in parameters;
    if (!dynamicFunction && roleFor(staticFunction, stateName) === undefined) problems.push(`task ${stateName} has no role in functionRoles`);
    tasks.push({
      stateName,
      kind,
      resource,
      timeoutSeconds:
        typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : state.TimeoutSecondsPath === undefined ? DEFAULT_TASK_TIMEOUT_SECONDS : undefined,
      heartbeatSeconds: typeof state.HeartbeatSeconds === 'number' ? state.HeartbeatSeconds : undefined,
    });
  }
  if (problems.length > 0) throw new StepFunctionsDefinitionError(problems);
  const machine = new StateMachine(definition, { awsConfig: { region } });

  const executions = new Map<string, ExecutionRecord>();
  const finishedOrder: string[] = [];
  const pending = new Map<string, PendingTask>();
  const timedOut = new Set<string>();
  let transitions = 0;
  let endpoint = '';

  const record = (exec: ExecutionRecord, event: Omit<HistoryEvent, 'timestamp'>): void => {
    exec.events.push({ timestamp: Date.now(), ...event });
  };

  /** Removes a callback task; its promise is settled by the caller (or left to the library's timeout). */
  const forget = (token: string): PendingTask | undefined => {
    const task = pending.get(token);
    if (!task) return undefined;
    pending.delete(token);
    for (const timer of task.timers) clearTimeout(timer);
    if (task.heartbeat?.timer) clearTimeout(task.heartbeat.timer);
    executions.get(task.executionArn)?.tokens.delete(token);
    return task;
  };

  const rememberTimedOut = (token: string): void => {
    timedOut.add(token);
    if (timedOut.size > MAX_REMEMBERED_TIMEOUTS) timedOut.delete(timedOut.values().next().value as string);
  };

  const armHeartbeat = (token: string, task: PendingTask): void => {
    if (!task.heartbeat) return;
    if (task.heartbeat.timer) clearTimeout(task.heartbeat.timer);
    task.heartbeat.timer = setTimeout(() => {
      if (!forget(token)) return;
      rememberTimedOut(token);
      const exec = executions.get(task.executionArn);
      if (exec) record(exec, { type: 'TaskTimedOut', stateName: task.stateName, error: 'States.HeartbeatTimeout' });
      task.reject(new TaskError('States.HeartbeatTimeout', 'The task sent no heartbeat in time.'));
    }, task.heartbeat.ms);
  };

  /** A callback function's own return only means the task was submitted; its result comes with the token. */
  /** Function invocations still running: an aborted execution does not stop the function it called. */
  const invocations = new Set<Promise<unknown>>();
  const callFunction = async (
    role: string,
    payload: Json,
    exec: ExecutionRecord,
    stateName: string,
    returned: 'TaskSucceeded' | 'TaskSubmitted' = 'TaskSucceeded',
  ): Promise<Json> => {
    record(exec, { type: 'TaskScheduled', stateName, input: payload });
    let result: Json;
    const invocation = (async () => options.invoke(role, structuredClone(payload), { stateName, executionArn: exec.executionArn, sfnEndpoint: endpoint }))();
    invocations.add(invocation);
    try {
      result = toJson(await invocation);
    } catch (err) {
      const failure = lambdaError(err);
      record(exec, { type: 'TaskFailed', stateName, error: failure.name, cause: failure.message });
      throw failure;
    } finally {
      invocations.delete(invocation);
    }
    record(exec, { type: returned, stateName, output: result });
    return result;
  };

  const resolveRole = (task: TaskPlan, functionRef: string | undefined): string => {
    const role = roleFor(functionRef, task.stateName);
    if (role === undefined) throw new TaskError('Lambda.ResourceNotFoundException', 'The function has no role in the local engine.');
    return role;
  };

  /** Must register a callback token synchronously, before the library arms its own task timeout. */
  const runTask = (task: TaskPlan, exec: ExecutionRecord, input: Json): Promise<Json> => {
    if (exec.status !== 'RUNNING') return Promise.reject(new TaskError('States.Runtime', 'The execution has stopped.'));
    const params = (input ?? {}) as Record<string, Json>;
    try {
      if (task.kind === 'function') return callFunction(resolveRole(task, task.resource), input, exec, task.stateName);
      const role = resolveRole(task, typeof params.FunctionName === 'string' ? params.FunctionName : undefined);
      const payload = params.Payload === undefined ? {} : params.Payload;
      if (task.kind === 'invoke') {
        return callFunction(role, payload, exec, task.stateName).then((result) => ({ ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 }));
      }
      const token = randomBytes(64).toString('base64url');
      const result = new Promise<Json>((resolve, reject) => {
        const entry: PendingTask = { executionArn: exec.executionArn, stateName: task.stateName, resolve, reject, timers: [] };
        if (task.timeoutSeconds !== undefined) {
          // Fires just before the library's own timer (armed right after this returns), which fails the task.
          entry.timers.push(
            setTimeout(() => {
              if (!forget(token)) return;
              rememberTimedOut(token);
              record(exec, { type: 'TaskTimedOut', stateName: task.stateName, error: 'States.Timeout' });
            }, task.timeoutSeconds * 1000),
          );
        }
        if (task.heartbeatSeconds !== undefined) entry.heartbeat = { ms: task.heartbeatSeconds * 1000 };
        pending.set(token, entry);
        exec.tokens.add(token);
        armHeartbeat(token, entry);
      });
      callFunction(role, replaceToken(payload, tokenPlaceholder, token), exec, task.stateName, 'TaskSubmitted').catch((err: Error) => {
        // The function failed before anyone answered for the token: the task fails with its error.
        forget(token)?.reject(err);
      });
      return result;
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new TaskError('States.Runtime', 'The task could not start.'));
    }
  };

  const finish = (exec: ExecutionRecord, status: ExecutionStatus, detail: { output?: string; error?: string; cause?: string }): void => {
    // Tokens never outlive their execution: release tasks still waiting (e.g. in a failed Parallel).
    for (const token of [...exec.tokens]) forget(token)?.reject(new TaskError('States.Runtime', 'The execution has stopped.'));
    if (exec.status !== 'RUNNING') return; // Stopped already: StopExecution's status stands.
    exec.status = status;
    exec.stopDate = new Date();
    if (detail.output !== undefined) exec.output = detail.output;
    if (detail.error !== undefined) exec.error = detail.error;
    if (detail.cause !== undefined) exec.cause = detail.cause;
    finishedOrder.push(exec.executionArn);
    while (finishedOrder.length > retain) executions.delete(finishedOrder.shift()!);
  };

  const launch = (inputText: string, name: string): ExecutionRecord => {
    const executionArn = `${executionPrefix}:${name}`;
    const exec: ExecutionRecord = {
      executionArn,
      stateMachineArn,
      name,
      status: 'RUNNING',
      startDate: new Date(),
      input: inputText,
      events: [],
      abort: () => undefined,
      done: Promise.resolve(),
      tokens: new Set(),
    };
    executions.set(executionArn, exec);
    const handlers: Record<string, (input: Json) => Promise<Json>> = {};
    for (const task of tasks) handlers[task.stateName] = (input) => runTask(task, exec, input);
    const runOptions: RunOptions = {
      overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides, retryIntervalOverrides },
      context: {
        Execution: { Id: executionArn, Name: name, StartTime: exec.startDate.toISOString() },
        StateMachine: { Id: stateMachineArn, Name: machineName },
        Task: { Token: tokenPlaceholder },
      },
    };
    const run = machine.run(JSON.parse(inputText) as Json as never, runOptions);
    exec.abort = run.abort;
    const consumed = (async () => {
      for await (const event of run.eventLogs) {
        if (event.type === 'StateEntered') transitions += 1;
        exec.events.push(historyEvent(event));
      }
    })();
    const settled = run.result.then(
      (output) => finish(exec, 'SUCCEEDED', { output: JSON.stringify(output ?? null) }),
      (err: unknown) => {
        if (err instanceof ExecutionAbortedError) finish(exec, 'ABORTED', {});
        else if (err instanceof ExecutionTimeoutError) finish(exec, 'TIMED_OUT', { error: 'States.Timeout' });
        else if (err instanceof ExecutionError && err.cause instanceof Error) finish(exec, 'FAILED', { error: err.cause.name, cause: err.cause.message });
        else finish(exec, 'FAILED', { error: 'States.Runtime', cause: 'The local engine failed to run the execution.' });
      },
    );
    exec.done = Promise.all([settled, consumed.catch(() => undefined)]).then(() => undefined);
    return exec;
  };

  const startExecution = (input: unknown, name?: string): { exec: ExecutionRecord; existing: boolean } => {
    const executionName = name ?? randomUUID();
    if (!EXECUTION_NAME.test(executionName)) throw new AwsServiceError('InvalidName', 'The execution name is invalid.');
    const inputText = typeof input === 'string' ? input : JSON.stringify(input ?? {});
    if (Buffer.byteLength(inputText) > MAX_PAYLOAD_BYTES) throw new AwsServiceError('InvalidExecutionInput', 'The execution input is too large.');
    try {
      JSON.parse(inputText);
    } catch {
      throw new AwsServiceError('InvalidExecutionInput', 'The execution input is not valid JSON.');
    }
    const existing = executions.get(`${executionPrefix}:${executionName}`);
    if (existing) {
      // As in AWS: the same name and input while running is the same execution; anything else is a clash.
      if (existing.status === 'RUNNING' && existing.input === inputText) return { exec: existing, existing: true };
      throw new AwsServiceError('ExecutionAlreadyExists', 'An execution with this name already exists.');
    }
    return { exec: launch(inputText, executionName), existing: false };
  };

  const find = (executionArn: string): ExecutionRecord => {
    const exec = executions.get(executionArn);
    if (!exec) throw new AwsServiceError('ExecutionDoesNotExist', 'The execution does not exist.');
    return exec;
  };

  const takeToken = (body: Record<string, unknown>): [string, PendingTask] => {
    const token = requiredString(body, 'taskToken');
    const task = pending.get(token);
    if (task) return [token, task];
    if (timedOut.has(token)) throw new AwsServiceError('TaskTimedOut', 'The task has timed out.');
    throw new AwsServiceError('TaskDoesNotExist', 'The task token does not belong to a waiting task.');
  };

  const stop = (exec: ExecutionRecord, error?: string, cause?: string): void => {
    if (exec.status !== 'RUNNING') return;
    finish(exec, 'ABORTED', { ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) });
    exec.abort();
  };

  const epochSeconds = (d: Date | undefined): number | undefined => (d === undefined ? undefined : d.getTime() / 1000);

  const server = await startAwsJsonServer({
    service: 'states',
    targetPrefix: 'AWSStepFunctions',
    jsonVersion: '1.0',
    port: options.port,
    operations: {
      StartExecution: (body) => {
        if (requiredString(body, 'stateMachineArn') !== stateMachineArn)
          throw new AwsServiceError('StateMachineDoesNotExist', 'The state machine does not exist.');
        const { exec } = startExecution(optionalString(body, 'input') ?? '{}', optionalString(body, 'name'));
        return { executionArn: exec.executionArn, startDate: epochSeconds(exec.startDate) };
      },
      DescribeExecution: (body) => {
        const d = describeRecord(find(requiredString(body, 'executionArn')));
        return {
          ...d,
          startDate: epochSeconds(d.startDate),
          stopDate: epochSeconds(d.stopDate),
          inputDetails: { included: true },
          ...(d.output === undefined ? {} : { outputDetails: { included: true } }),
        };
      },
      StopExecution: (body) => {
        const exec = find(requiredString(body, 'executionArn'));
        stop(exec, optionalString(body, 'error'), optionalString(body, 'cause'));
        return { stopDate: epochSeconds(exec.stopDate ?? new Date()) };
      },
      SendTaskSuccess: (body) => {
        const [token, task] = takeToken(body);
        const output = requiredString(body, 'output');
        if (Buffer.byteLength(output) > MAX_PAYLOAD_BYTES) throw new AwsServiceError('InvalidOutput', 'The task output is too large.');
        let parsed: Json;
        try {
          parsed = JSON.parse(output) as Json;
        } catch {
          throw new AwsServiceError('InvalidOutput', 'The task output is not valid JSON.');
        }
        forget(token);
        const exec = executions.get(task.executionArn);
        if (exec) record(exec, { type: 'TaskSucceeded', stateName: task.stateName, output: parsed });
        task.resolve(parsed);
        return {};
      },
      SendTaskFailure: (body) => {
        const [token, task] = takeToken(body);
        const error = optionalString(body, 'error') ?? '';
        const cause = optionalString(body, 'cause') ?? '';
        forget(token);
        const exec = executions.get(task.executionArn);
        if (exec) record(exec, { type: 'TaskFailed', stateName: task.stateName, error, cause });
        task.reject(new TaskError(error, cause));
        return {};
      },
      SendTaskHeartbeat: (body) => {
        const [token, task] = takeToken(body);
        armHeartbeat(token, task);
        return {};
      },
    },
  });
  endpoint = server.endpoint;

  return {
    endpoint,
    stateMachineArn,
    counts: () => server.counter.counts(),
    resetCounts: () => {
      server.counter.resetCounts();
      transitions = 0;
    },
    injectFault: (operation, count, errorType) => server.faults.injectFault(operation, count, errorType),
    clearFaults: () => server.faults.clearFaults(),
    startExecution: (input, name) => startExecution(input, name).exec.executionArn,
    describe: (executionArn) => describeRecord(find(executionArn)),
    history: (executionArn) => [...find(executionArn).events].sort((a, b) => a.timestamp - b.timestamp),
    executions: () => [...executions.values()].map(describeRecord),
    waitForExecution: async (executionArn, timeoutMs = 30_000) => {
      const exec = find(executionArn);
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          exec.done,
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('The execution did not finish in time.')), timeoutMs);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
      return describeRecord(exec);
    },
    runningCount: () => [...executions.values()].filter((e) => e.status === 'RUNNING').length,
    pendingTaskTokens: () => pending.size,
    transitionCount: () => transitions,
    close: async () => {
      const running = [...executions.values()].filter((e) => e.status === 'RUNNING');
      for (const exec of running) stop(exec, 'SandboxStopped', 'The local engine was closed.');
      await Promise.allSettled(running.map((e) => e.done));
      // Let functions already running finish their writes (bounded) before the storage engines close.
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...invocations]), new Promise((r) => (grace = setTimeout(r, INVOCATION_GRACE_MS)))]);
      clearTimeout(grace);
      for (const token of [...pending.keys()]) forget(token);
      await server.close();
    },
  };
}

/** Runs one execution of a definition on a throwaway engine and returns how it ended, with its history. */
export async function runDefinitionLocally(
  options: StepFunctionsEngineOptions & { input: unknown; timeoutMs?: number },
): Promise<{ execution: ExecutionDescription; history: HistoryEvent[] }> {
  const engine = await startStepFunctions(options);
  try {
    const arn = engine.startExecution(options.input);
    const execution = await engine.waitForExecution(arn, options.timeoutMs);
    return { execution, history: engine.history(arn) };
  } finally {
    await engine.close();
  }
}

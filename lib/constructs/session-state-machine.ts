/**
 * The secure-session workflow: Begin → GetKey (wait for the SMA handler's task token) → CardCaptured? →
 * InfoInsert → Validate → End; any task failure → Abort. Written in JSONPath without Assign/variables,
 * because the local sandbox runs this exact definition with aws-local-stepfunctions, which ignores JSONata
 * and rejects variables. State names come from the shared contract so handlers, sandbox and CDK agree.
 *
 * No card data ever enters the execution (P03): the state carries the session context and an opaque vault
 * reference. Logs still go out at level ALL with execution data excluded (P22) to an encrypted log group.
 */
import { ArnFormat, CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { STATE } from '../../lambdas/shared/session/contract';
import { EncryptedLogGroup } from './encrypted-log-group';

/** Which handler runs in which Task state (the sandbox maps its local handlers by this). */
export type SessionHandlerRole = 'begin' | 'getKey' | 'insert' | 'validate' | 'end' | 'abort';

export const TASK_HANDLER_ROLES: Readonly<Record<string, SessionHandlerRole>> = {
  [STATE.begin]: 'begin',
  [STATE.getKey]: 'getKey',
  [STATE.infoInsert]: 'insert',
  [STATE.validate]: 'validate',
  [STATE.end]: 'end',
  [STATE.abort]: 'abort',
};

/** Transient Lambda service errors worth retrying; anything else is the handler's answer. */
export const LAMBDA_TRANSIENT_ERRORS = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];

export interface SessionStateMachineProps {
  readonly functions: Readonly<Record<SessionHandlerRole, lambda.IFunction>>;
  /** The customer-managed key for the execution log group (see LogsKey). */
  readonly logsKey: kms.IKey;
  /**
   * Optional - How long GetKey waits for the caller to key the card (the SMA handler's task token).
   * @default Duration.minutes(10)
   */
  readonly captureTimeout?: Duration;
  /**
   * Optional - Fixed state machine name. Set it when a function that the workflow itself depends on must
   * answer task tokens: the grant then names the ARN without a reference, which breaks the dependency cycle.
   * @default - a generated name
   */
  readonly stateMachineName?: string;
}

export class SessionStateMachine extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: EncryptedLogGroup;
  private readonly stateMachineName?: string;

  public constructor(scope: Construct, id: string, props: SessionStateMachineProps) {
    super(scope, id);
    const captureTimeout = props.captureTimeout ?? Duration.minutes(10);
    this.stateMachineName = props.stateMachineName;
    const fns = props.functions;

    const abortFailed = new sfn.Fail(this, STATE.abortFailed, {
      stateName: STATE.abortFailed,
      error: 'AbortFailed',
      cause: 'The Abort stage failed; the vault item expires by its TTL and the alarm on failed executions fires.',
    });
    const aborted = new sfn.Succeed(this, STATE.aborted, { stateName: STATE.aborted });
    // A hang-up is a normal end of a call, so Abort ends the execution successfully with status 'aborted'.
    // No payload: a Lambda-ARN task passes the whole state (request, session, capture, $.error) as the event.
    const abort = this.invoke(STATE.abort, fns.abort, { timeout: Duration.seconds(15) })
      .addCatch(abortFailed, { errors: [sfn.Errors.ALL], resultPath: '$.error' })
      .next(aborted);

    const withCatch = <T extends tasks.LambdaInvoke>(task: T): T => {
      task.addCatch(abort, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
      return task;
    };

    const begin = withCatch(this.invoke(STATE.begin, fns.begin, { timeout: Duration.seconds(10), resultPath: '$.session' }));
    const getKey = withCatch(
      new tasks.LambdaInvoke(this, STATE.getKey, {
        stateName: STATE.getKey,
        lambdaFunction: fns.getKey,
        integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload: sfn.TaskInput.fromObject({ session: sfn.JsonPath.objectAt('$.session'), taskToken: sfn.JsonPath.taskToken }),
        resultPath: '$.capture',
        taskTimeout: sfn.Timeout.duration(captureTimeout),
        // No retry at all: a second UpdateSipMediaApplicationCall would restart the IVR on the caller.
        retryOnServiceExceptions: false,
      }),
    );
    // End gets the whole state and its result becomes the execution output (the SessionOutcome).
    const end = withCatch(this.invoke(STATE.end, fns.end, { timeout: Duration.seconds(15) }));
    const validate = withCatch(
      this.invoke(STATE.validate, fns.validate, {
        timeout: Duration.seconds(40),
        payload: sfn.TaskInput.fromObject({ session: sfn.JsonPath.objectAt('$.session'), vaultRef: sfn.JsonPath.stringAt('$.capture.vaultRef') }),
        resultPath: '$.validation',
      }),
    );
    const infoInsert = withCatch(
      this.invoke(STATE.infoInsert, fns.insert, {
        timeout: Duration.seconds(10),
        payload: sfn.TaskInput.fromObject({
          session: sfn.JsonPath.objectAt('$.session'),
          vaultRef: sfn.JsonPath.stringAt('$.capture.vaultRef'),
          fields: sfn.JsonPath.objectAt('$.fields'),
        }),
        resultPath: sfn.JsonPath.DISCARD,
      }),
    );
    const captured = new sfn.Choice(this, STATE.captured, { stateName: STATE.captured })
      .when(sfn.Condition.stringEquals('$.capture.status', 'captured'), infoInsert.next(validate).next(end))
      .otherwise(end);

    this.logGroup = new EncryptedLogGroup(this, 'ExecutionLogs', {
      encryptionKey: props.logsKey,
      logGroupName: props.stateMachineName ? `/aws/vendedlogs/states/${props.stateMachineName}` : undefined,
      // A named group retained after a failed first deploy would make the retry fail ("already exists").
      ...(props.stateMachineName ? { removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE } : {}),
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(begin.next(getKey).next(captured)),
      comment: 'secure-ivr secure session (JSONPath only; no card data in state)',
      // The whole session cannot outlive the capture wait by more than the other tasks' worst case.
      timeout: captureTimeout.plus(Duration.minutes(5)),
      tracingEnabled: true,
      logs: { destination: this.logGroup.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    this.acknowledgeRoleFindings(Object.values(fns));
  }

  /** Lets `fn` complete GetKey's task token (SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat). */
  public grantTaskResponse(fn: iam.IGrantable): iam.Grant {
    const arn = this.stateMachineName
      ? Stack.of(this).formatArn({ service: 'states', resource: 'stateMachine', resourceName: this.stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })
      : this.stateMachine.stateMachineArn;
    return iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
      resourceArns: [arn],
    });
  }

  private acknowledgeRoleFindings(functions: lambda.IFunction[]): void {
    const stack = Stack.of(this);
    const qualifierFindings = functions
      .map((fn) => fn.node.defaultChild)
      .filter((child): child is CfnResource => child instanceof CfnResource)
      .map((child) => ({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(child)}.Arn>:*]`,
        reason:
          'P10: LambdaInvoke grants lambda:InvokeFunction on one named function and its versions/aliases (the :* qualifier); no other function is reachable.',
      }));
    Validations.of(this.stateMachine.role).acknowledge(
      ...qualifierFindings,
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'P22: CloudWatch Logs delivery (logs:*LogDelivery, DescribeResourcePolicies, DescribeLogGroups) and X-Ray actions have no resource-level permissions; AWS requires Resource "*".',
      },
      {
        id: 'PCI.DSS.321-IAMNoInlinePolicy',
        reason: "P10: the state machine role's inline policy only invokes the six session functions and delivers logs/traces; it lives and dies with the role.",
      },
    );
  }

  private invoke(name: string, fn: lambda.IFunction, opts: { timeout: Duration; payload?: sfn.TaskInput; resultPath?: string }): tasks.LambdaInvoke {
    const task = new tasks.LambdaInvoke(this, name, {
      stateName: name,
      lambdaFunction: fn,
      payloadResponseOnly: true,
      payload: opts.payload,
      resultPath: opts.resultPath,
      taskTimeout: sfn.Timeout.duration(opts.timeout),
      // The built-in retry is replaced by the explicit one below, so the policy is visible in one place.
      retryOnServiceExceptions: false,
    });
    task.addRetry({ errors: LAMBDA_TRANSIENT_ERRORS, interval: Duration.seconds(1), backoffRate: 2, maxAttempts: 3 });
    return task;
  }
}

/**
 * The secure-session state machine definition (Amazon States Language) exactly as CDK synthesizes it, for
 * the local sandbox: it runs this object with aws-local-stepfunctions and overrides each Task by state name.
 * Only the state machine construct is built (imported placeholder functions, no bundling), so it is quick.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { type SessionHandlerRole, SessionStateMachine, TASK_HANDLER_ROLES } from './constructs/session-state-machine';

export const PLACEHOLDER_ACCOUNT = '123456789012';
export const PLACEHOLDER_REGION = 'us-east-1';

/** The placeholder ARN the definition carries for a handler role (the sandbox never calls it). */
export function placeholderFunctionArn(role: SessionHandlerRole): string {
  return `arn:aws:lambda:${PLACEHOLDER_REGION}:${PLACEHOLDER_ACCOUNT}:function:secure-ivr-${role}`;
}

export interface SessionDefinition {
  /** The parsed ASL definition (StartAt, States, …). */
  definition: Record<string, unknown>;
  /** Task state name → which handler it runs (begin|getKey|insert|validate|end|abort). */
  functionIds: Record<string, SessionHandlerRole>;
}

export class DefinitionSynthesisError extends Error {
  public constructor(problem: string) {
    super(`Cannot turn the synthesized state machine into a local definition: ${problem}`);
    this.name = 'DefinitionSynthesisError';
  }
}

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': PLACEHOLDER_REGION,
  'AWS::AccountId': PLACEHOLDER_ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Turns one resolved CloudFormation value (string or intrinsic) into a plain string. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v['Fn::Join'])) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(sep);
    }
    if (typeof v.Ref === 'string') {
      const pseudo = PSEUDO_PARAMETERS[v.Ref];
      if (pseudo !== undefined) return pseudo;
      return `arn:aws:lambda:${PLACEHOLDER_REGION}:${PLACEHOLDER_ACCOUNT}:function:${v.Ref}`;
    }
    if (Array.isArray(v['Fn::GetAtt'])) {
      const [logicalId] = v['Fn::GetAtt'] as [string, string];
      return `arn:aws:lambda:${PLACEHOLDER_REGION}:${PLACEHOLDER_ACCOUNT}:function:${logicalId}`;
    }
  }
  throw new DefinitionSynthesisError('the definition contains an unsupported intrinsic function');
}

/** Builds the state machine in a throw-away app and returns its ASL definition and Task → handler map. */
export function synthesizeSessionDefinition(): SessionDefinition {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'SessionDefinition', { env: { account: PLACEHOLDER_ACCOUNT, region: PLACEHOLDER_REGION } });
  const fn = (role: SessionHandlerRole): lambda.IFunction => lambda.Function.fromFunctionArn(stack, `${role}Function`, placeholderFunctionArn(role));
  const machine = new SessionStateMachine(stack, 'Session', {
    functions: { begin: fn('begin'), getKey: fn('getKey'), insert: fn('insert'), validate: fn('validate'), end: fn('end'), abort: fn('abort') },
    logsKey: kms.Key.fromKeyArn(stack, 'LogsKey', `arn:aws:kms:${PLACEHOLDER_REGION}:${PLACEHOLDER_ACCOUNT}:key/00000000-0000-0000-0000-000000000000`),
  });
  const cfn = machine.stateMachine.node.defaultChild as sfn.CfnStateMachine;
  const definition = JSON.parse(flatten(stack.resolve(cfn.definitionString))) as Record<string, unknown>;
  return { definition, functionIds: { ...TASK_HANDLER_ROLES } };
}

/**
 * Builds the secure-ivr stack for infrastructure tests: bundling skipped, fixed env. buildStack makes a
 * fresh App each time; sharedStack synthesizes each context once per test file (jest gives every file
 * its own module registry) for the many assertions that only read the template.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import { SecureIvrStack } from '../../lib/stacks/secure-ivr-stack';
import { readStackConfig } from '../../lib/stack-config';

export const REQUIRED_CONTEXT = { agentEndpointUri: '+15555550100', validationUrl: 'https://pay.example.com/validate' };

export interface Built {
  app: App;
  stack: SecureIvrStack;
  template: Template;
}

/** The context (feature flags, defaults) from cdk.json, which the CLI would give the app. */
export const CDK_JSON_CONTEXT = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'cdk.json'), 'utf8')).context as Record<string, unknown>;

/** A new App with cdk.json's context plus `context` (bundling always skipped). */
export function newApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
}

export interface BuildOptions {
  /** Synthesize as offline synth does, with no account at all (the placeholder-account warning). @default false */
  readonly withoutAccount?: boolean;
}

export function buildStack(context: Record<string, unknown> = REQUIRED_CONTEXT, options: BuildOptions = {}): Built {
  const app = newApp(context);
  // A fixed env keeps the developer's CDK_DEFAULT_* out of the result; the account is given (the same one
  // offline synth falls back to) so that the placeholder warning appears only where a test asks for it.
  const config = readStackConfig(app.node, { env: options.withoutAccount ? {} : { CDK_DEFAULT_ACCOUNT: '123456789012' } });
  const stack = new SecureIvrStack(app, 'SecureIvrTest', { config });
  return { app, stack, template: Template.fromStack(stack) };
}

const shared = new Map<string, Built>();

/** The stack for `context`, synthesized on first use and shared by the file's tests; never mutate it. */
export function sharedStack(context: Record<string, unknown> = REQUIRED_CONTEXT): Built {
  const key = JSON.stringify(context);
  let built = shared.get(key);
  if (!built) {
    built = buildStack(context);
    shared.set(key, built);
  }
  return built;
}

export function logicalId(construct: IConstruct): string {
  const element = construct instanceof CfnElement ? construct : (construct.node.defaultChild as CfnElement);
  return Stack.of(construct).getLogicalId(element);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Sid?: string;
}

export const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every identity-policy statement in the template with the roles it is attached to (inline, DefaultPolicy, managed). */
export function identityStatements(template: Template): { roles: string[]; statement: Statement }[] {
  const out: { roles: string[]; statement: Statement }[] = [];
  for (const [, res] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
    const roles = asList(res.Properties.Roles as { Ref: string }[]).map((r) => r.Ref);
    for (const statement of res.Properties.PolicyDocument.Statement as Statement[]) out.push({ roles, statement });
  }
  for (const [, res] of Object.entries(template.findResources('AWS::IAM::ManagedPolicy'))) {
    const roles = asList(res.Properties.Roles as { Ref: string }[] | undefined).map((r) => r.Ref);
    for (const statement of res.Properties.PolicyDocument.Statement as Statement[]) out.push({ roles, statement });
  }
  for (const [id, res] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    for (const policy of asList(res.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined)) {
      for (const statement of policy.PolicyDocument.Statement) out.push({ roles: [id], statement });
    }
  }
  return out;
}

/** True when a statement's Resource names the resource with this logical id (or is "*"). */
export function namesResource(statement: Statement, id: string): boolean {
  return asList(statement.Resource).some((r) => r === '*' || JSON.stringify(r).includes(`"${id}"`));
}

/** True when `action` is granted by one of the statement's actions (exact, `svc:*` or `*`). */
export function grantsAction(statement: Statement, action: string): boolean {
  return asList(statement.Action).some((a) => a === action || a === '*' || (a.endsWith('*') && action.startsWith(a.slice(0, -1))));
}

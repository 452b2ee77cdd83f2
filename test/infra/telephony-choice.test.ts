/**
 * `-c telephony=chime|connect|both`: a Connect-only stack holds no Chime resource, grant, principal or output
 * at all (AWS closed Chime SDK PSTN audio to new customers), Chime-only keeps the SMA wiring, both has both.
 * Counts by resource type, the agent API's and stages' telephony settings, the alarms per adapter, the
 * sealing role, and the compliance gate on a Connect-only stack.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks, PCIDSS321Checks } from 'cdk-nag';
import { AgentApi, AgentApiPropsError } from '../../lib/constructs/agent-api';
import { CONNECT_RECORDING_SUSPEND_FAILED_MESSAGE, SessionAlarms, SessionAlarmsPropsError, VAULT_KEY_FAILURE_ERROR } from '../../lib/constructs/session-alarms';
import { SessionTable } from '../../lib/constructs/session-table';
import { readStackConfig, StackConfigError } from '../../lib/stack-config';
import type { SecureIvrStack } from '../../lib/stacks/secure-ivr-stack';
import { ENV } from '../../lambdas/shared/session/contract';
import { CDK_JSON_CONTEXT, identityStatements, logicalId, newApp, REQUIRED_CONTEXT, sharedStack } from './helpers';

const INSTANCE = 'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555';
const CONTEXTS = {
  chime: { ...REQUIRED_CONTEXT, phoneNumber: '+15555550100' },
  both: { ...REQUIRED_CONTEXT, phoneNumber: '+15555550100', telephony: 'both', connectInstanceArn: INSTANCE },
  // What a contact center on Amazon Connect only gives: no agent endpoint, no phone number.
  connect: { validationUrl: REQUIRED_CONTEXT.validationUrl, telephony: 'connect', connectInstanceArn: INSTANCE },
} as const;
type Choice = keyof typeof CONTEXTS;

const built = (choice: Choice): { stack: SecureIvrStack; template: Template } => sharedStack(CONTEXTS[choice]);
const countOf = (template: Template, type: string): number => Object.keys(template.findResources(type)).length;
const envOf = (template: Template, id: string): Record<string, unknown> => template.toJSON().Resources[id].Properties.Environment.Variables;
/** Every resource whose type starts with `prefix`. */
const typesStartingWith = (template: Template, prefix: string): string[] =>
  Object.values(template.toJSON().Resources as Record<string, { Type: string }>)
    .map((r) => r.Type)
    .filter((t) => t.startsWith(prefix));

describe('resources per telephony choice', () => {
  it.each([
    // choice, SipMediaApplication, SIP rule, SMA handler, Connect flow, Connect capture function
    ['chime', 1, 1, 1, 0, 0],
    ['both', 1, 1, 1, 1, 1],
    ['connect', 0, 0, 0, 1, 1],
  ] as const)(
    '%s: %i SIP media application, %i SIP rule, %i SMA handler, %i Connect flow, %i capture function',
    (choice, sma, sipRule, smaHandler, flow, capture) => {
      // Prepare
      const { stack, template } = built(choice);
      // Assess
      expect(countOf(template, 'AWS::Chime::SipMediaApplication')).toBe(sma);
      expect(countOf(template, 'Custom::SipRule')).toBe(sipRule);
      expect(
        Object.values(template.findResources('AWS::Lambda::Function')).filter((f) => String(f.Properties.Description).startsWith('Chime SDK SMA handler')),
      ).toHaveLength(smaHandler);
      expect(stack.smaHandler === undefined).toBe(smaHandler === 0);
      expect(countOf(template, 'AWS::Connect::ContactFlow')).toBe(flow);
      expect(stack.connect?.captureFunction === undefined).toBe(capture === 0);
    },
  );

  it('synthesizes no AWS::Chime resource, Chime action, Chime principal or SMA id anywhere in a Connect-only template', () => {
    // Prepare
    const { stack, template } = built('connect');
    const text = JSON.stringify(template.toJSON());
    // Assess: types, IAM actions (chime:UpdateSipMediaApplicationCall…), service principals, env, names
    expect(typesStartingWith(template, 'AWS::Chime::')).toEqual([]);
    expect(text).not.toMatch(/chime/i);
    expect(text).not.toContain(ENV.smaId);
    expect(stack.recordings).toBeUndefined();
    expect(stack.sipMediaApplication).toBeUndefined();
  });

  it('keeps the Chime grants where Chime carries calls: the stages and the agent API may update calls of this SMA only', () => {
    for (const choice of ['chime', 'both'] as const) {
      // Prepare
      const { stack, template } = built(choice);
      const smaId = logicalId(stack.sipMediaApplication!.sma);
      const roles = [stack.functions.getKey, stack.functions.end, stack.functions.abort, stack.agentApi.apiFunction].map((fn) => logicalId(fn.functionRole));
      // Act
      const updaters = identityStatements(template).filter(({ statement }) => [statement.Action].flat().includes('chime:UpdateSipMediaApplicationCall'));
      // Assess
      expect(new Set(updaters.flatMap((u) => u.roles))).toEqual(new Set(roles));
      for (const u of updaters) expect(JSON.stringify(u.statement.Resource)).toContain(smaId);
    }
  });

  it('gives Connect-only outputs no SIP media application or recording bucket, and the Connect flow and quick connect', () => {
    // Prepare
    const outputs = (choice: Choice): string[] => Object.keys(built(choice).template.toJSON().Outputs);
    // Assess
    expect(outputs('connect')).not.toEqual(expect.arrayContaining(['SipMediaApplicationId']));
    expect(outputs('connect')).not.toContain('RecordingBucketName');
    expect(outputs('connect')).toEqual(expect.arrayContaining(['ConnectSecureInputFlowArn', 'ConnectQuickConnectArn', 'AgentConsoleUrl']));
    expect(outputs('chime')).toEqual(expect.arrayContaining(['SipMediaApplicationId', 'RecordingBucketName']));
    expect(outputs('both')).toEqual(expect.arrayContaining(['SipMediaApplicationId', 'RecordingBucketName', 'ConnectSecureInputFlowArn']));
  });

  it('leaves exactly one role able to seal card data on a Connect-only stack: the capture function', () => {
    // Prepare
    const { stack, template } = built('connect');
    const key = template.toJSON().Resources[logicalId(stack.vault.key)];
    // Act
    const deny = (key.Properties.KeyPolicy.Statement as Array<{ Sid?: string; Condition?: Record<string, Record<string, unknown>> }>).find(
      (s) => s.Sid === 'DenyDataKeysExceptSealers',
    );
    // Assess
    expect(deny?.Condition?.StringNotEquals?.['aws:PrincipalArn']).toEqual([{ 'Fn::GetAtt': [logicalId(stack.connect!.captureFunction.functionRole), 'Arn'] }]);
  });
});

describe('telephony settings of the functions', () => {
  it.each([
    ['chime', { hasSma: true, adapters: undefined }],
    ['both', { hasSma: true, adapters: 'both' }],
    ['connect', { hasSma: false, adapters: 'connect' }],
  ] as const)('%s: the agent API gets the SMA id only with Chime and TELEPHONY_ADAPTERS unless Chime alone', (choice, expected) => {
    // Prepare
    const { stack, template } = built(choice);
    // Act
    const env = envOf(template, logicalId(stack.agentApi.apiFunction));
    // Assess
    if (expected.hasSma) expect(env[ENV.smaId]).toEqual({ 'Fn::GetAtt': [logicalId(stack.sipMediaApplication!.sma), 'SipMediaApplicationId'] });
    else expect(env).not.toHaveProperty(ENV.smaId);
    if (expected.adapters === undefined) expect(env).not.toHaveProperty(ENV.telephonyAdapters);
    else expect(env[ENV.telephonyAdapters]).toBe(expected.adapters);
  });

  it('tells the Connect-only telephony stages which adapter they use and gives them no SMA id', () => {
    // Prepare
    const { stack, template } = built('connect');
    for (const fn of [stack.functions.getKey, stack.functions.end, stack.functions.abort]) {
      // Act
      const env = envOf(template, logicalId(fn));
      // Assess
      expect(env[ENV.telephonyAdapters]).toBe('connect');
      expect(env).not.toHaveProperty(ENV.smaId);
    }
  });
});

describe('alarms per telephony choice', () => {
  const alarmNames = (choice: Choice): string[] =>
    Object.values(built(choice).template.findResources('AWS::CloudWatch::Alarm'))
      .map((a) => String(a.Properties.AlarmName ?? ''))
      .filter((n) => n.startsWith('SecureIvrTest-'))
      .map((n) => n.replace('SecureIvrTest-', ''))
      .sort();
  const filtersOn = (choice: Choice, metricName: string): unknown[] =>
    Object.values(built(choice).template.findResources('AWS::Logs::MetricFilter'))
      .filter((f) => f.Properties.MetricTransformations[0].MetricName === metricName)
      .map((f) => f.Properties.LogGroupName);

  it('alarms on the Connect functions and not on an SMA handler when Connect alone carries calls', () => {
    // Assess
    const connect = alarmNames('connect');
    expect(connect).toEqual(
      expect.arrayContaining([
        'ConnectCaptureErrors',
        'ConnectClaimErrors',
        'ConnectStatusErrors',
        'ConnectContactEventsErrors',
        'RecordingPauseFailed',
        'VaultKeyFailed',
        'AuditWriteFailed',
      ]),
    );
    expect(connect).not.toContain('SmaHandlerErrors');
    expect(alarmNames('chime')).toContain('SmaHandlerErrors');
    expect(alarmNames('chime')).not.toContain('ConnectCaptureErrors');
    expect(alarmNames('both')).toEqual(expect.arrayContaining(['SmaHandlerErrors', 'ConnectCaptureErrors']));
  });

  it.each([
    ['chime', ['sma']],
    ['both', ['sma', 'capture']],
    ['connect', ['capture']],
  ] as const)('%s: the VaultCryptoError and recording-pause filters watch the log group of each sealing function (%s)', (choice, sealers) => {
    // Prepare
    const { stack, template } = built(choice);
    const groups = sealers.map((s) => ({
      Ref: logicalId(s === 'sma' ? stack.smaHandler!.functionLogGroup : stack.connect!.captureFunction.functionLogGroup),
    }));
    // Assess: one filter per sealer feeding each alarm's single metric
    expect(filtersOn(choice, 'VaultKeyFailed')).toEqual(expect.arrayContaining(groups));
    expect(filtersOn(choice, 'VaultKeyFailed')).toHaveLength(groups.length);
    expect(filtersOn(choice, 'RecordingPauseFailed')).toHaveLength(groups.length);
    if (sealers.includes('capture' as never)) {
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: { Ref: logicalId(stack.connect!.captureFunction.functionLogGroup) },
        FilterPattern: `{ $.error = "${VAULT_KEY_FAILURE_ERROR}" }`,
        MetricTransformations: [{ MetricName: 'VaultKeyFailed', MetricNamespace: 'SecureIvr', MetricValue: '1' }],
      });
      template.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: { Ref: logicalId(stack.connect!.captureFunction.functionLogGroup) },
        FilterPattern: `{ $.message = "${CONNECT_RECORDING_SUSPEND_FAILED_MESSAGE}" }`,
        MetricTransformations: [{ MetricName: 'RecordingPauseFailed', MetricNamespace: 'SecureIvr', MetricValue: '1' }],
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'SecureIvrTest-VaultKeyFailed',
      MetricName: 'VaultKeyFailed',
      Namespace: 'SecureIvr',
    });
  });

  it('watches for the very message the Connect capture function logs when recording could not be suspended', () => {
    // Assess: the filter breaks silently if the message drifts, so the source must still say it
    const source = fs.readFileSync(path.resolve(__dirname, '../../lambdas/telephony/connect/connect-session.ts'), 'utf8');
    expect(source).toContain(`'${CONNECT_RECORDING_SUSPEND_FAILED_MESSAGE}'`);
  });

  it('counts the Connect flow functions among the audit writers whose failed writes raise AuditWriteFailed', () => {
    // Prepare
    const { stack } = built('connect');
    const groups = [...stack.connect!.flowFunctions, stack.connect!.contactEventsFunction].map((fn) => ({ Ref: logicalId(fn.functionLogGroup) }));
    // Assess
    expect(filtersOn('connect', 'AuditWriteFailed')).toEqual(expect.arrayContaining(groups));
  });

  it('draws the capture-time widget only where the SMA handler emits it', () => {
    // Prepare
    const body = (choice: Choice): string => JSON.stringify(Object.values(built(choice).template.findResources('AWS::CloudWatch::Dashboard'))[0]);
    // Assess
    expect(body('chime')).toContain('Card capture time');
    expect(body('connect')).not.toContain('Card capture time');
    expect(body('connect')).toContain('Validation service latency');
  });
});

describe('compliance gate on a Connect-only stack', () => {
  it('leaves no unacknowledged AwsSolutions or PCI DSS 3.2.1 finding', () => {
    // Prepare
    const { stack } = built('connect');
    // Act
    const findings = [new AwsSolutionsChecks().validateScope(stack), new PCIDSS321Checks().validateScope(stack)].flatMap((r) =>
      r.violations.map((v) => `${v.ruleName} @ ${v.violatingResources.map((x) => x.constructPath).join(', ')}`),
    );
    // Assess
    expect(findings).toEqual([]);
  });
});

describe('settings and props that do not fit the telephony choice', () => {
  it.each([
    ['phoneNumber', '+15555550100'],
    ['callerIdNumber', '+15555550100'],
    ['agentVoiceConnectorArn', 'arn:aws:chime:us-east-1:123456789012:vc/abcdef'],
  ])('refuses the Chime-only setting %s under telephony=connect instead of dropping it', (key, value) => {
    // Prepare
    const app = newApp({ ...CONTEXTS.connect, [key]: value });
    // Act / Assess
    expect(() => readStackConfig(app.node, { env: {} })).toThrow(StackConfigError);
    expect(() => readStackConfig(app.node, { env: {} })).toThrow(`${key} applies to the Chime SIP media application only`);
  });

  const props = (stack: Stack) => ({
    config: { forms: [] } as never,
    sessions: new SessionTable(stack, 'Sessions'),
    stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:s',
    logsKey: new kms.Key(stack, 'LogsKey', { enableKeyRotation: true }),
  });
  const bareStack = (): Stack => new Stack(new App({ context: CDK_JSON_CONTEXT }), 'Props', { env: { account: '123456789012', region: 'us-east-1' } });

  it.each([
    ['chime without an SMA', { telephony: 'chime' }, /sipMediaApplication is required when telephony is chime/],
    ['both without an SMA', { telephony: 'both' }, /sipMediaApplication is required when telephony is both/],
    ['connect with an SMA', { telephony: 'connect', sipMediaApplication: { id: 'x', arn: 'arn:aws:chime:us-east-1:123456789012:sma/x' } }, /must not be given/],
  ] as const)('refuses an AgentApi for %s', (_label, extra, message) => {
    // Prepare
    const stack = bareStack();
    // Act / Assess
    expect(() => new AgentApi(stack, 'Api', { ...props(stack), ...extra })).toThrow(AgentApiPropsError);
    expect(() => new AgentApi(bareStack(), 'Api', { ...props(bareStack()), ...extra })).toThrow(message);
  });

  it('refuses SessionAlarms with no sealing function log group to watch', () => {
    // Prepare
    const stack = bareStack();
    const stateMachine = new sfn.StateMachine(stack, 'Sm', { definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'P')) });
    // Act / Assess
    expect(() => new SessionAlarms(stack, 'Alarms', { stateMachine, functions: {} })).toThrow(SessionAlarmsPropsError);
    expect(() => new SessionAlarms(stack, 'Alarms2', { stateMachine, functions: {}, connectCaptureLogGroup: new logs.LogGroup(stack, 'G') })).not.toThrow();
  });
});

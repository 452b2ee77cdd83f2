/**
 * The flow the stack deploys is the flow the sandbox runs: the AWS::Connect::ContactFlow Content that
 * CDK synthesizes (with CloudFormation's values filled in) passes the emulator's strict check, and,
 * apart from the ARNs and the key, it is action for action the flow the sandbox builds for its calls.
 */
import { buildStack, REQUIRED_CONTEXT } from '../../infra/helpers';
import { validateFlow, type FlowDocument } from '../../../sandbox/connect/flow-catalog';
import { ConnectEmulator } from '../../../sandbox/connect/emulator';
import { buildSecureInputFlow } from '../../../lib/connect/secure-input-flow';
import { CONNECT_FUNCTIONS } from '../../../sandbox/connect/connect-sandbox';
import { makeFlowSecurityKey, type FlowSecurityKeyMaterial } from '../../../sandbox/connect/stored-input-encryption';
import { parseFormsConfig } from '../../../lambdas/shared/session/forms-config';
import { readFileSync } from 'node:fs';
import { FORMS_FILE } from '../../../lib/stack-config';

const INSTANCE = 'arn:aws:connect:us-east-1:123456789012:instance/11111111-2222-3333-4444-555555555555';
const QUEUE = `${INSTANCE}/queue/66666666-7777-8888-9999-000000000000`;

let key: FlowSecurityKeyMaterial;
let synthesized: string;

/** Fills the Content's Fn::Join as CloudFormation would: the key id, the certificate (JSON-escaped) and function ARNs. */
function resolveContent(content: { 'Fn::Join': [string, unknown[]] }, functionArn: (logicalId: string) => string): string {
  return content['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const att = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (att?.[1] === 'CertificatePemJson') return JSON.stringify(key.certificatePem).slice(1, -1);
      if (att?.[1] === 'KeyId') return key.keyId;
      if (att?.[1] === 'Arn') return functionArn(att[0]);
      throw new Error(`unexpected token in the flow content: ${JSON.stringify(part)}`);
    })
    .join('');
}

beforeAll(async () => {
  key = await makeFlowSecurityKey({ keyId: 'synth-key' });
  const { template } = buildStack({ ...REQUIRED_CONTEXT, telephony: 'both', connectInstanceArn: INSTANCE, connectAgentQueues: QUEUE });
  const flow = Object.values(template.findResources('AWS::Connect::ContactFlow'))[0] as { Properties: { Content: { 'Fn::Join': [string, unknown[]] } } };
  synthesized = resolveContent(flow.Properties.Content, (id) => `arn:aws:lambda:us-east-1:123456789012:function:${id}`);
}, 120_000);

describe('the synthesized secure-input flow', () => {
  it('passes the emulator’s strict Flow-language check and loads into an instance', () => {
    expect(() => validateFlow(synthesized)).not.toThrow();
    const connect = new ConnectEmulator({ instanceArn: INSTANCE });
    connect.addSecurityKey({ keyId: key.keyId, publicKeyPem: key.publicKeyPem });
    expect(connect.addFlow(`${INSTANCE}/contact-flow/secure-input`, synthesized).Actions.length).toBeGreaterThan(20);
  });

  it('is, but for function ARNs, the flow the sandbox runs its calls through', () => {
    const forms = parseFormsConfig(JSON.parse(readFileSync(FORMS_FILE, 'utf8'))).forms;
    const sandboxFlow = buildSecureInputFlow({ forms, functions: CONNECT_FUNCTIONS, securityKey: { keyId: key.keyId, certificatePem: key.certificatePem } });
    const withoutArns = (doc: FlowDocument): unknown => JSON.parse(JSON.stringify(doc), (k, v: unknown) => (k === 'LambdaFunctionARN' ? 'function' : v));
    expect(withoutArns(validateFlow(synthesized))).toEqual(withoutArns(validateFlow(JSON.stringify(sandboxFlow))));
  });
});

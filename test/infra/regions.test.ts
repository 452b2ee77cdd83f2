/**
 * Regions and the template validator bundled with aws-cdk-lib (@aws/cloudformation-validate): the stack is
 * valid where it is allowed, refused with a clear synth error elsewhere, and validation findings fail synth.
 */
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as chime from 'aws-cdk-lib/aws-chime';
import { PHONE_NUMBER_SMA_REGIONS, SMA_REGIONS } from '../../lib/constructs/sip-media-application';
import { SecureIvrStack } from '../../lib/stacks/secure-ivr-stack';
import { readStackConfig, StackConfigError } from '../../lib/stack-config';
import { CDK_JSON_CONTEXT, newApp, REQUIRED_CONTEXT } from './helpers';

interface Diagnostic {
  ruleId: string;
  severity: string;
  message: string;
}
interface ValidateModule {
  CompositeEngine: new () => {
    validateTemplate(t: unknown, c: unknown): { diagnostics: Diagnostic[] };
    free(): void;
  };
  TemplateContent: new (content: string, name?: string) => unknown;
}
// The validator ships inside aws-cdk-lib; load that very copy.
const validator = require(require.resolve('@aws/cloudformation-validate', { paths: [path.dirname(require.resolve('aws-cdk-lib'))] })) as ValidateModule;

/** The rules aws-cdk-lib 2.276 leaves out when it validates at synth (CloudFormationValidatePlugin). */
const CDK_IGNORED_RULES = ['W3005', 'W1020', 'I4010', 'W4011', 'W4012', 'W9002', 'W9013', 'W1103'];
/** Chime SDK PSTN audio regions (Amazon Chime SDK developer guide, available Regions). */
const PSTN_AUDIO_REGIONS = ['us-east-1', 'us-west-2', 'ca-central-1', 'eu-central-1', 'eu-west-2', 'ap-northeast-1', 'ap-southeast-1', 'ap-southeast-2'];

function synthesizedTemplate(): string {
  const app = newApp({ ...REQUIRED_CONTEXT, phoneNumber: '+15555550100', deployReferenceService: 'true' });
  const stack = new SecureIvrStack(app, 'SecureIvr', { config: readStackConfig(app.node, { env: { CDK_DEFAULT_ACCOUNT: '123456789012' } }) });
  // app.synth() runs the bundled validator with cdk.json's flags: it throws on any error finding.
  const assembly = app.synth();
  return JSON.stringify(assembly.getStackArtifact(stack.artifactId).template);
}

describe('regions and template validation', () => {
  let template: string;
  let findings: Record<string, Diagnostic[]>;

  beforeAll(() => {
    template = synthesizedTemplate();
    const engine = new validator.CompositeEngine();
    try {
      findings = Object.fromEntries(
        PSTN_AUDIO_REGIONS.map((region) => [
          region,
          engine
            .validateTemplate(new validator.TemplateContent(template, 'SecureIvr.template.json'), {
              detailLevel: 'STANDARD',
              severityLevel: 'WARN',
              exclude: { ids: CDK_IGNORED_RULES },
              pseudoParameterOverrides: { region, accountId: '123456789012' },
            })
            .diagnostics.filter((d) => d.severity === 'ERROR' || d.severity === 'FATAL'),
        ]),
      );
    } finally {
      engine.free();
    }
    // One whole-stack synth plus eight validator runs: generous on a busy machine.
  }, 300_000);

  it('turns validator findings into synth errors (cdk.json sets validateAgainstDefaultRules)', () => {
    // Prepare: a template the validator refuses (the SMA type in us-west-2), with cdk.json's flags
    expect(CDK_JSON_CONTEXT['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
    const app = new App({ context: CDK_JSON_CONTEXT });
    const stack = new Stack(app, 'Invalid', { env: { account: '123456789012', region: 'us-west-2' } });
    new chime.CfnSipMediaApplication(stack, 'Sma', {
      name: 'x',
      awsRegion: 'us-west-2',
      endpoints: [{ lambdaArn: 'arn:aws:lambda:us-west-2:123456789012:function:f' }],
    });
    // Act / Assess
    expect(() => app.synth()).toThrow(/ERROR Type: Resource type 'AWS::Chime::SipMediaApplication' does not exist in 'us-west-2'/);
  });

  it('synthesizes the whole stack (SIP rule, reference service) in us-east-1 with no validator error', () => {
    expect(findings['us-east-1']).toEqual([]);
  });

  it('finds no AWS::Chime::SipMediaApplication in us-west-2, so the deployable regions are exactly the phone-number SMA regions the validator accepts', () => {
    // Assess: the validator's region data
    expect(findings['us-west-2']?.map((d) => `${d.ruleId} ${d.message}`)).toEqual([
      "F3006 Resource type 'AWS::Chime::SipMediaApplication' does not exist in 'us-west-2'",
    ]);
    const valid = PHONE_NUMBER_SMA_REGIONS.filter((r) => findings[r]?.length === 0);
    expect([...SMA_REGIONS]).toEqual(valid);
  });

  it.each(['us-west-2', 'eu-central-1', 'eu-west-1'])('refuses region %s at synth with a reason', (region) => {
    // Prepare
    const app = newApp({ ...REQUIRED_CONTEXT, region });
    // Act / Assess
    expect(() => readStackConfig(app.node, { env: {} })).toThrow(StackConfigError);
    expect(() => readStackConfig(app.node, { env: {} })).toThrow(/region must be us-east-1: .*AWS::Chime::SipMediaApplication/);
  });
});

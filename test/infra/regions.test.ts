/**
 * Regions and the template validator bundled with aws-cdk-lib (@aws/cloudformation-validate): per telephony
 * choice the stack is valid where it is allowed, refused with a clear synth error (naming the choice and the
 * allowed regions) elsewhere, and validation findings fail synth.
 */
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as chime from 'aws-cdk-lib/aws-chime';
import { PHONE_NUMBER_SMA_REGIONS, SMA_REGIONS } from '../../lib/constructs/sip-media-application';
import { allowedRegions, CONNECT_REGIONS, CONNECT_STACK_REGIONS } from '../../lib/regions';
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

/** A Connect instance ARN of the test account in `region`. */
const instanceIn = (region: string): string => `arn:aws:connect:${region}:123456789012:instance/11111111-2222-3333-4444-555555555555`;
/** Regions with no Amazon Connect, to show the validator refuses the Connect template there too. */
const NO_CONNECT_REGIONS = ['eu-west-1', 'us-east-2'];

function synthesizedTemplate(context: Record<string, unknown>): string {
  const app = newApp(context);
  const stack = new SecureIvrStack(app, 'SecureIvr', { config: readStackConfig(app.node, { env: { CDK_DEFAULT_ACCOUNT: '123456789012' } }) });
  // app.synth() runs the bundled validator with cdk.json's flags: it throws on any error finding.
  const assembly = app.synth();
  return JSON.stringify(assembly.getStackArtifact(stack.artifactId).template);
}

/** The validator's error findings for `template` in each region (the rules CDK's own synth check leaves out excluded). */
function findingsByRegion(template: string, regions: readonly string[]): Record<string, Diagnostic[]> {
  const engine = new validator.CompositeEngine();
  try {
    return Object.fromEntries(
      regions.map((region) => [
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
}

describe('regions and template validation', () => {
  let findings: Record<string, Diagnostic[]>;

  beforeAll(() => {
    findings = findingsByRegion(synthesizedTemplate({ ...REQUIRED_CONTEXT, phoneNumber: '+15555550100', deployReferenceService: 'true' }), PSTN_AUDIO_REGIONS);
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

  it.each(['us-west-2', 'eu-central-1', 'eu-west-1', 'eu-west-2'])(
    'refuses region %s for telephony=chime at synth, naming the choice and the allowed region',
    (region) => {
      // Prepare
      const app = newApp({ ...REQUIRED_CONTEXT, region });
      // Act / Assess
      expect(() => readStackConfig(app.node, { env: {} })).toThrow(StackConfigError);
      expect(() => readStackConfig(app.node, { env: {} })).toThrow(/region must be us-east-1 when telephony is chime: .*AWS::Chime::SipMediaApplication/);
    },
  );

  it.each(['us-west-2', 'eu-west-2'])('refuses region %s for telephony=both (the SIP media application is in it), pointing at telephony=connect', (region) => {
    // Prepare
    const app = newApp({ ...REQUIRED_CONTEXT, region, telephony: 'both', connectInstanceArn: instanceIn(region) });
    // Act / Assess
    expect(() => readStackConfig(app.node, { env: {} })).toThrow(
      /region must be us-east-1 when telephony is both: .*-c telephony=connect deploys to us-east-1, us-west-2/,
    );
  });
});

describe('regions of a Connect-only stack (telephony=connect)', () => {
  const context = (region: string): Record<string, unknown> => ({
    validationUrl: REQUIRED_CONTEXT.validationUrl,
    deployReferenceService: 'true',
    telephony: 'connect',
    region,
    connectInstanceArn: instanceIn(region),
  });
  let londonTemplate: string;
  let findings: Record<string, Diagnostic[]>;

  beforeAll(() => {
    // Synth in London runs the bundled validator (cdk.json's validateAgainstDefaultRules): it throws on any error.
    londonTemplate = synthesizedTemplate(context('eu-west-2'));
    findings = findingsByRegion(londonTemplate, [...CONNECT_REGIONS, ...NO_CONNECT_REGIONS]);
    // One whole-stack synth plus twelve validator runs: generous on a busy machine.
  }, 300_000);

  it('synthesizes in eu-west-2 (London has Amazon Connect, not the Chime SIP media application) with no Chime type and no validator error', () => {
    // Assess
    expect(JSON.parse(londonTemplate).Resources).toBeDefined();
    expect(londonTemplate).not.toMatch(/AWS::Chime::|chime:/i);
    expect(findings['eu-west-2']).toEqual([]);
  });

  it('allows exactly the Amazon Connect regions where the validator accepts every resource type of the Connect-only template', () => {
    // Assess: the validator's region data
    const valid = CONNECT_REGIONS.filter((r) => findings[r]?.length === 0);
    expect([...CONNECT_STACK_REGIONS]).toEqual(valid);
    expect(allowedRegions('connect')).toEqual(CONNECT_STACK_REGIONS);
    // both needs the SIP media application and Connect in one region
    expect(allowedRegions('both')).toEqual(['us-east-1']);
  });

  it.each(NO_CONNECT_REGIONS)('finds the Connect resource types missing in %s, where the region rule refuses telephony=connect', (region) => {
    // Assess: the validator agrees with the rule
    expect(findings[region]?.map((d) => d.message)).toEqual(
      expect.arrayContaining([`Resource type 'AWS::Connect::ContactFlow' does not exist in '${region}'`]),
    );
    // Act / Assess: the synth error names the telephony choice and the allowed regions
    const app = newApp(context(region));
    expect(() => readStackConfig(app.node, { env: {} })).toThrow(StackConfigError);
    expect(() => readStackConfig(app.node, { env: {} })).toThrow(
      `region must be one of ${CONNECT_STACK_REGIONS.join(', ')} when telephony is connect: the regions where Amazon Connect and every other resource type of the stack exist`,
    );
  });
});

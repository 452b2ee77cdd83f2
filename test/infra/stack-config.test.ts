/** Deployment settings are checked once at synth, and every problem is named in one error. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StackConfigError, readStackConfig } from '../../lib/stack-config';
import { newApp, REQUIRED_CONTEXT } from './helpers';

const read = (context: Record<string, unknown>, env: Record<string, string> = {}, formsFile?: string) =>
  readStackConfig(newApp(context).node, { env, formsFile });

function problemsOf(action: () => unknown): readonly string[] {
  try {
    action();
  } catch (err) {
    if (err instanceof StackConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a StackConfigError');
}

describe('readStackConfig', () => {
  it('names every missing value in one error when no context is given', () => {
    // Prepare
    const app = newApp();
    // Act
    const act = () => readStackConfig(app.node, { env: {} });
    // Assess
    expect(act).toThrow(StackConfigError);
    expect(act).toThrow(/agentEndpointUri[\s\S]*validationUrl/);
    expect(act).toThrow(/npx cdk synth -c agentEndpointUri=/);
  });

  it('requires the voice connector ARN when the agent endpoint is on AWS', () => {
    // Prepare
    const context = { ...REQUIRED_CONTEXT, agentEndpointType: 'AWS', agentEndpointUri: 'agent-desk-1' };
    // Act
    const problems = problemsOf(() => read(context));
    // Assess
    expect(problems).toEqual([expect.stringContaining('agentVoiceConnectorArn')]);
  });

  it('gathers all bad values instead of stopping at the first', () => {
    // Prepare
    const context = {
      agentEndpointUri: '5550100',
      validationUrl: 'http://pay.example.com/validate',
      region: 'eu-west-1',
      phoneNumber: '555-0199',
      captureTimeoutMinutes: '0',
      cardFieldNames: '{"iban":"x"}',
    };
    // Act
    const problems = problemsOf(() => read(context));
    // Assess
    expect(problems).toHaveLength(6);
    for (const name of ['agentEndpointUri', 'validationUrl', 'region', 'phoneNumber', 'captureTimeoutMinutes', 'cardFieldNames']) {
      expect(problems.some((p) => p.includes(name))).toBe(true);
    }
  });

  it('uses documented defaults and CDK_DEFAULT_* for the environment', () => {
    // Prepare
    const env = { CDK_DEFAULT_ACCOUNT: '111122223333', CDK_DEFAULT_REGION: 'us-east-1' };
    // Act
    const config = read(REQUIRED_CONTEXT, env);
    // Assess
    expect(config).toMatchObject({
      account: '111122223333',
      region: 'us-east-1',
      agentEndpointType: 'PSTN',
      language: 'en-US',
      voice: 'Joanna',
      captureTimeoutMinutes: 10,
      recordingRetentionDays: 365,
    });
  });

  it('falls back to a built-in card-payment form when there is no forms file', () => {
    // Prepare
    const missing = path.join(os.tmpdir(), 'secure-ivr-no-such-forms.json');
    // Act
    const config = read({ ...REQUIRED_CONTEXT, language: 'es-US', voice: 'Lupe' }, {}, missing);
    // Assess
    expect(config.forms.forms).toHaveLength(1);
    expect(config.forms.forms[0]?.ivr).toMatchObject({ language: 'es-US', voice: 'Lupe' });
  });

  it('refuses a forms file whose form language is not among the configured languages', () => {
    // Prepare
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'secure-ivr-forms-'));
    const file = path.join(dir, 'forms.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ forms: [{ id: 'pay', type: 'simple', title: 'Pay', description: 'd', ivr: { language: 'fr-CA', voice: 'Chantal' }, fields: [] }] }),
    );
    // Act
    const problems = problemsOf(() => read({ ...REQUIRED_CONTEXT, languages: 'en-US,es-US' }, {}, file));
    // Assess
    expect(problems).toEqual([expect.stringContaining('form pay uses language fr-CA')]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

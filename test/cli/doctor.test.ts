/**
 * `secure-ivr doctor` against the sandbox's local endpoints (STS, CloudFormation and SSM in
 * sandbox/engines/account.ts, Chime SDK Voice in sandbox/sma/voice-endpoint.ts, the reference validation
 * server) through the real SDK clients: a ready account passes, and each check fails on its own injected
 * problem with what to do.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ChimeSDKVoiceClient } from '@aws-sdk/client-chime-sdk-voice';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { BOOTSTRAP_VERSION_PARAMETER, type DoctorClients, runDoctorCommand } from '../../bin/commands/doctor';
import { startValidationServer } from '../../lambdas/validation-service/server';
import { type AccountEndpoints, startAccountEndpoints } from '../../sandbox/engines/account';
import { startVoiceEndpoint, type VoiceEndpoint } from '../../sandbox/sma/voice-endpoint';
import { testCertificates, type LocalCertificates } from '../helpers/tls';
import { startScriptedServer } from '../lambdas/validator/test-server';

const NUMBER = '+15555550123';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let certs: LocalCertificates;
let dir: string;
let caFile: string;
let validationUrl: string;
let closeValidation: () => Promise<void>;
let account: AccountEndpoints;
let voice: VoiceEndpoint;
let clients: DoctorClients[];

beforeAll(async () => {
  certs = await testCertificates();
  dir = mkdtempSync(join(tmpdir(), 'doctor-'));
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, certs.caPem);
  const server = await startValidationServer({ tls: { key: certs.keyPem, cert: certs.certPem } });
  validationUrl = server.url;
  closeValidation = () => server.close();
});

afterAll(async () => {
  await closeValidation();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  // A ready account: bootstrapped, already using SIP media applications, the number ordered as SMA dial-in.
  account = await startAccountEndpoints({
    stacks: new Map([['CDKToolkit', { status: 'UPDATE_COMPLETE', outputs: { BootstrapVersion: '29' } }]]),
    parameters: new Map([[BOOTSTRAP_VERSION_PARAMETER, '29']]),
  });
  voice = await startVoiceEndpoint();
  voice.inventory.addSipMediaApplication('existing-ivr');
  voice.inventory.addPhoneNumber(NUMBER);
  clients = [];
});

afterEach(async () => {
  for (const c of clients) for (const client of Object.values(c)) (client as { destroy(): void }).destroy();
  await Promise.all([account.close(), voice.close()]);
});

async function doctor(args: string[], nodeVersion = 'v22.23.3'): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write: (chunk: Buffer, _e, done) => {
        append(chunk.toString());
        done();
      },
    });
  const code = await runDoctorCommand(
    args,
    sink((s) => (out += s)),
    sink((s) => (err += s)),
    {
      env: {},
      nodeVersion,
      clientsFor: async (region) => {
        const made: DoctorClients = {
          sts: new STSClient({ region, credentials, endpoint: account.queryEndpoint }),
          cloudFormation: new CloudFormationClient({ region, credentials, endpoint: account.queryEndpoint }),
          ssm: new SSMClient({ region, credentials, endpoint: account.ssmEndpoint }),
          voice: new ChimeSDKVoiceClient({ region, credentials, endpoint: voice.endpoint }),
        };
        clients.push(made);
        return made;
      },
    },
  );
  return { code, out, err };
}

const line = (out: string, title: RegExp): string => out.split('\n').find((l) => title.test(l)) ?? '';
const ALL = ['--phone-number', NUMBER, '--validation-url', '', '--validation-ca', ''];
const all = (): string[] => ALL.map((a, i) => (i === 3 ? validationUrl : i === 5 ? caFile : a));

describe('secure-ivr doctor', () => {
  it('passes every check for a ready account and exits 0, having only read', async () => {
    // Act
    const { code, out } = await doctor(all());
    // Assess
    expect(code).toBe(0);
    expect(
      out
        .split('\n')
        .filter((l) => /^(pass|FAIL|skipped)/.test(l))
        .map((l) => l.split(' ')[0]),
    ).toEqual(Array(7).fill('pass'));
    expect(out).toContain('ready to deploy: no check failed (0 skipped)');
    expect(line(out, /Credentials/)).toContain('account 123456789012 as arn:aws:iam::123456789012:user/deployer');
    expect(line(out, /bootstrap/)).toContain('CDKToolkit UPDATE_COMPLETE, version 29');
    expect(Object.keys({ ...account.counts(), ...voice.counts() }).sort()).toEqual([
      'chime:GetPhoneNumber',
      'chime:ListSipMediaApplications',
      'cloudformation:DescribeStacks',
      'ssm:GetParameter',
      'sts:GetCallerIdentity',
    ]);
    // For the report: what an operator sees.
    process.stdout.write(`\n--- doctor against the sandbox (ready account) ---\n${out}`);
  });

  it('skips the number and URL checks it was not given, and still exits 0', async () => {
    // Act
    const { code, out } = await doctor([]);
    // Assess
    expect(code).toBe(0);
    expect(line(out, /^skipped +Phone number/)).toContain('no --phone-number given');
    expect(line(out, /^skipped +Validation URL/)).toContain('no --validation-url given');
    expect(out).toContain('(2 skipped)');
  });

  it.each<[string, (a: AccountEndpoints, v: VoiceEndpoint) => void, string[] | undefined, RegExp, RegExp]>([
    [
      'credentials refused',
      (a) => (a.state.callerArn = undefined),
      undefined,
      /^FAIL +Credentials and account: STS GetCallerIdentity failed \(InvalidClientTokenId\)/,
      /aws sso login/,
    ],
    [
      'no bootstrap stack',
      (a) => a.state.stacks.clear(),
      undefined,
      /^FAIL +CDK bootstrap stack and version: no CDKToolkit stack in us-east-1/,
      /npx cdk bootstrap aws:\/\/<account>\/us-east-1/,
    ],
    [
      'a bootstrap stack that rolled back',
      (a) => a.state.stacks.set('CDKToolkit', { status: 'ROLLBACK_COMPLETE', outputs: {} }),
      undefined,
      /^FAIL +CDK bootstrap.*CDKToolkit is ROLLBACK_COMPLETE/,
      /fix or delete the CDKToolkit stack/,
    ],
    [
      'an old bootstrap version',
      (a) => a.state.parameters.set(BOOTSTRAP_VERSION_PARAMETER, '5'),
      undefined,
      /^FAIL +CDK bootstrap.*bootstrap version 5 is older than 8/,
      /update it/,
    ],
    [
      'a region without AWS::Chime::SipMediaApplication',
      () => undefined,
      ['--region', 'us-west-2'],
      /^FAIL +Region supports every resource type: us-west-2: region must be us-east-1/,
      /deploy to us-east-1/,
    ],
    [
      'PSTN audio refused to this account',
      (_a, v) => v.faults.injectFault('ListSipMediaApplications', 1, 'ForbiddenException'),
      undefined,
      /^FAIL +SIP media applications.*\(ForbiddenException\)/,
      /cannot start after 2026-10-29/,
    ],
    [
      'a number not in the inventory',
      (_a, v) => v.inventory.phoneNumbers.clear(),
      undefined,
      /^FAIL +Phone number.*not in this account.s Chime SDK inventory/,
      /order one/,
    ],
    [
      'a number of the wrong product type',
      (_a, v) => v.inventory.addPhoneNumber(NUMBER, 'VoiceConnector'),
      undefined,
      /^FAIL +Phone number.*product type is VoiceConnector/,
      /update-phone-number --phone-number-id \+15555550123 --product-type SipMediaApplicationDialIn/,
    ],
    [
      'a number already routed by a SIP rule',
      (_a, v) => {
        const sma = [...v.inventory.sipMediaApplications.keys()][0] as string;
        v.inventory.createSipRule({
          Name: 'old',
          TriggerType: 'ToPhoneNumber',
          TriggerValue: NUMBER,
          TargetApplications: [{ SipMediaApplicationId: sma, Priority: 1, AwsRegion: 'us-east-1' }],
        });
      },
      undefined,
      /^FAIL +Phone number.*already routed by SIP rule [0-9a-f-]{36}/,
      /disable and delete that rule/,
    ],
  ])('fails with what to do when there is %s, and exits 1', async (_what, inject, extra, failure, advice) => {
    // Prepare
    inject(account, voice);
    // Act
    const { code, out } = await doctor([...all(), ...(extra ?? [])]);
    // Assess
    expect(code).toBe(1);
    expect(out.split('\n').some((l) => failure.test(l))).toBe(true);
    expect(out).toMatch(advice);
    expect(out.split('\n').filter((l) => l.startsWith('FAIL'))).toHaveLength(1);
  });

  it('skips the account checks after a credentials failure instead of failing them again', async () => {
    // Prepare
    account.state.callerArn = undefined;
    // Act
    const { out } = await doctor(all());
    // Assess
    for (const title of [/^skipped +CDK bootstrap/, /^skipped +SIP media/, /^skipped +Phone number/])
      expect(line(out, title)).toContain('needs working credentials');
    expect(voice.counts()).toEqual({});
  });

  it('fails the validation URL when the service does not follow the XML contract', async () => {
    // Prepare
    const broken = await startScriptedServer(certs, (_req, res) => {
      res.writeHead(500);
      res.end('no');
    });
    try {
      // Act
      const { code, out } = await doctor(['--validation-url', broken.url, '--validation-ca', caFile]);
      // Assess
      expect(code).toBe(1);
      expect(line(out, /^FAIL +Validation URL/)).toMatch(/checks did not pass: /);
      expect(out).toContain(`npx secure-ivr check-validator ${broken.url}`);
    } finally {
      await broken.close();
    }
  });

  it('fails an old Node.js with the version it needs', async () => {
    // Act
    const { code, out } = await doctor([], 'v18.20.4');
    // Assess
    expect(code).toBe(1);
    expect(line(out, /^FAIL +Node.js/)).toContain('v18.20.4 is older than 22.12');
  });

  it.each([
    [['--frobnicate'], /Unknown option '--frobnicate'/],
    [['--validation-url', 'ftp://x'], /--validation-url must be an absolute https:\/\/ URL/],
    [['--validation-ca', '/no/such/file.pem'], /cannot read the --validation-ca file/],
    [['stray'], /Unexpected argument 'stray'/],
  ])('refuses bad usage %j with exit 2 and calls nothing', async (args, message) => {
    // Act
    const { code, err } = await doctor(args);
    // Assess
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect({ ...account.counts(), ...voice.counts() }).toEqual({});
  });
});

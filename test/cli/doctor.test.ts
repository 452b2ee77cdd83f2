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
import { ConnectClient, DescribeInstanceCommand, ResourceNotFoundException } from '@aws-sdk/client-connect';
import { mockClient } from 'aws-sdk-client-mock';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { BOOTSTRAP_VERSION_PARAMETER, type DoctorClients, runDoctorCommand } from '../../bin/commands/doctor';
import { startValidationServer } from '../../lambdas/validation-service/server';
import { type AccountEndpoints, startAccountEndpoints } from '../../sandbox/engines/account';
import { startVoiceEndpoint, type VoiceEndpoint } from '../../sandbox/sma/voice-endpoint';
import { testCertificates, type LocalCertificates } from '../helpers/tls';
import { startScriptedServer } from '../lambdas/validator/test-server';

const NUMBER = '+15555550123';
const ACCOUNT = '123456789012';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let certs: LocalCertificates;
let dir: string;
let caFile: string;
let validationUrl: string;
let closeValidation: () => Promise<void>;
let account: AccountEndpoints;
let voice: VoiceEndpoint;
let clients: DoctorClients[];
// Amazon Connect has no local engine: its one call (DescribeInstance) is answered by a mocked client.
const connectClient = new ConnectClient({ region: 'eu-west-2', credentials });
const connectMock = mockClient(connectClient);

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
  for (const c of clients) for (const client of Object.values(c)) if (client !== connectClient) (client as { destroy(): void }).destroy();
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
          connect: connectClient,
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

  describe('with Amazon Connect (--telephony connect)', () => {
    const INSTANCE_ID = '0f3e1b7a-5c2d-4e8f-9a1b-2c3d4e5f6a7b';
    const arn = (region: string, acct = ACCOUNT): string => `arn:aws:connect:${region}:${acct}:instance/${INSTANCE_ID}`;
    const ready = { Instance: { InstanceStatus: 'ACTIVE' as const, InboundCallsEnabled: true, InstanceAlias: 'acme-support' } };

    beforeEach(() => {
      connectMock.reset();
      connectMock.on(DescribeInstanceCommand, { InstanceId: INSTANCE_ID }).resolves(ready);
    });

    it('passes a Connect-only account in London: no Chime check, the instance checked instead', async () => {
      // Act
      const { code, out } = await doctor(['--telephony', 'connect', '--region', 'eu-west-2', '--connect-instance-arn', arn('eu-west-2')]);

      // Assess
      expect(code).toBe(0);
      expect(line(out, /^pass +Region/)).toContain('eu-west-2: Amazon Connect');
      expect(line(out, /^pass +Amazon Connect instance/)).toContain('instance (acme-support) is ACTIVE with inbound calls on');
      expect(out).not.toMatch(/SIP media|Phone number/);
      expect(voice.counts()).toEqual({});
      expect(connectMock.commandCalls(DescribeInstanceCommand)).toHaveLength(1);
    });

    it.each([
      ['no instance given', [], 'no instance given', /--connect-instance-arn/],
      [
        'an instance in another region',
        ['--connect-instance-arn', arn('us-west-2')],
        'the instance is in us-west-2, the deploy targets eu-west-2',
        /deploy to us-west-2/,
      ],
      [
        'an instance of another account',
        ['--connect-instance-arn', arn('eu-west-2', '999999999999')],
        'belongs to account 999999999999',
        /credentials of the instance/,
      ],
      ['not an ARN', ['--connect-instance-arn', 'acme-support'], 'not an instance ARN', /copy the instance ARN/],
    ])('fails %s with what to do, without calling Connect', async (_label, extra, detail, action) => {
      // Act
      const { code, out } = await doctor(['--telephony', 'connect', '--region', 'eu-west-2', ...extra]);

      // Assess
      expect(code).toBe(1);
      expect(line(out, /^FAIL +Amazon Connect instance/)).toContain(detail);
      expect(out).toMatch(action);
      expect(connectMock.commandCalls(DescribeInstanceCommand)).toHaveLength(0);
    });

    it.each([
      [
        'a missing instance',
        () => connectMock.on(DescribeInstanceCommand).rejects(new ResourceNotFoundException({ message: 'x', $metadata: {} })),
        /ResourceNotFoundException.*check the ARN/,
      ],
      [
        'an instance still being created',
        () => connectMock.on(DescribeInstanceCommand).resolves({ Instance: { InstanceStatus: 'CREATION_IN_PROGRESS' as const, InboundCallsEnabled: true } }),
        /is CREATION_IN_PROGRESS.*wait until the instance is ACTIVE/,
      ],
      [
        'inbound calls turned off',
        () => connectMock.on(DescribeInstanceCommand).resolves({ Instance: { InstanceStatus: 'ACTIVE' as const, InboundCallsEnabled: false } }),
        /does not take inbound calls.*turn on inbound calls/,
      ],
    ])('fails %s', async (_label, arrange, expected) => {
      // Arrange
      arrange();

      // Act
      const { code, out } = await doctor(['--telephony', 'connect', '--region', 'eu-west-2', '--connect-instance-arn', arn('eu-west-2')]);

      // Assess
      expect(code).toBe(1);
      expect(out.replace(/\n/g, ' ')).toMatch(expected);
    });

    it('fails the Chime telephony in London and points at --telephony connect', async () => {
      // Act
      const { code, out } = await doctor(['--region', 'eu-west-2']);

      // Assess
      expect(code).toBe(1);
      expect(line(out, /^FAIL +Region/)).toMatch(/when telephony is chime.*-c telephony=connect/);
    });

    it('with both, runs the Chime checks and the instance check in us-east-1', async () => {
      // Act
      const { code, out } = await doctor(['--telephony', 'both', '--region', 'us-east-1', '--connect-instance-arn', arn('us-east-1'), ...all()]);

      // Assess
      expect(code).toBe(0);
      expect(out).toMatch(/^pass +SIP media applications/m);
      expect(out).toMatch(/^pass +Phone number/m);
      expect(out).toMatch(/^pass +Amazon Connect instance/m);
    });

    it('refuses an unknown telephony with exit 2 and calls nothing', async () => {
      // Act
      const { code, err } = await doctor(['--telephony', 'genesys']);

      // Assess
      expect(code).toBe(2);
      expect(err).toContain('--telephony must be chime, connect or both');
      expect({ ...account.counts(), ...voice.counts() }).toEqual({});
    });
  });
});

/**
 * `npx secure-ivr doctor [--telephony chime|connect|both] [--region R] [--profile P] [--phone-number N]
 *   [--connect-instance-arn ARN] [--validation-url URL] [--validation-ca FILE]
 *   [--gateway G --gateway-secret NAME [--gateway-test-mode false]]`
 *
 * Read-only preflight of the target account before the first `cdk deploy`, with the user's own
 * credentials: each check prints pass, fail or skipped, and what to do. Nothing is created or changed
 * (GetCallerIdentity, DescribeStacks, GetParameter, ListSipMediaApplications, GetPhoneNumber, Connect
 * DescribeInstance, the check-validator submissions of the well-known test card, and GetSecretValue of
 * the gateway secret, whose values are never printed). The Chime checks run for telephony chime|both,
 * the Amazon Connect instance check for connect|both. Exit status 0 only when no check failed.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { GATEWAY_KINDS, type GatewayKind } from '../../lambdas/validation-service/gateways/env';
import { type CheckResult, type ConformanceOptions, type ConformanceReport, runConformance } from '../../lambdas/validator/conformance';
import { allowedRegions, regionProblem, type TelephonyChoice } from '../../lib/regions';

/** aws-cdk-lib 2.276's synthesized assets need this bootstrap version (manifest requiresBootstrapStackVersion). */
export const MIN_BOOTSTRAP_VERSION = 8;
export const BOOTSTRAP_STACK = 'CDKToolkit';
export const BOOTSTRAP_VERSION_PARAMETER = '/cdk-bootstrap/hnb659fds/version';
/** package.json engines. */
export const MIN_NODE = [22, 12] as const;

export type DoctorStatus = 'pass' | 'fail' | 'skipped';

export interface DoctorCheck {
  id: 'node' | 'credentials' | 'bootstrap' | 'region' | 'sip-media-applications' | 'phone-number' | 'connect-instance' | 'validation-url' | 'gateway-secret';
  title: string;
  status: DoctorStatus;
  /** What was found. */
  detail: string;
  /** What to do (for fail and skipped). */
  action?: string;
}

/** The one SDK method doctor uses of each client, so tests and the CLI pass real clients alike. */
interface Sender {
  send(command: unknown): Promise<unknown>;
}

export interface DoctorClients {
  sts: Sender;
  cloudFormation: Sender;
  ssm: Sender;
  voice: Sender;
  /** Amazon Connect (DescribeInstance), for telephony connect|both. */
  connect?: Sender;
  /** Secrets Manager, for the gateway secret check (only used with `gateway`). */
  secrets?: Sender;
}

export interface DoctorOptions {
  region: string;
  /** What the deploy will use (`-c telephony=`). @default chime */
  telephony?: TelephonyChoice;
  /** The existing instance (`-c connectInstanceArn=`), for telephony connect|both. */
  connectInstanceArn?: string;
  clients: DoctorClients;
  phoneNumber?: string;
  validationUrl?: string;
  validationCaPem?: string;
  /** `process.version` by default. */
  nodeVersion?: string;
  /** The reference service's gateway and its credentials secret, as for -c gateway / gatewaySecretName / gatewayTestMode. */
  gateway?: { kind: Exclude<GatewayKind, 'test'>; secretName: string; testMode: boolean };
  /** The check-validator run (lambdas/validator/conformance.ts) by default. */
  conformance?: (options: ConformanceOptions) => Promise<ConformanceReport>;
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** Error name and, for AWS errors, the HTTP status: never the message, which may echo request values. */
function awsError(err: unknown): { name: string; status?: number } {
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  return { name: typeof e?.name === 'string' ? e.name : 'UnknownError', status: e?.$metadata?.httpStatusCode };
}

const DENIED = /AccessDenied|Forbidden|UnauthorizedOperation|NotAuthorized/;

export function checkNode(version: string): DoctorCheck {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return ok
    ? {
        id: 'node',
        title: 'Node.js version',
        status: 'pass',
        detail: `${version} (needs ${MIN_NODE.join('.')} or later; the functions run on Lambda nodejs22.x)`,
      }
    : {
        id: 'node',
        title: 'Node.js version',
        status: 'fail',
        detail: `${version} is older than ${MIN_NODE.join('.')}`,
        action: `install a supported Node.js LTS (${MIN_NODE.join('.')} or later; Node 20 reached end of life in April 2026) and run npm ci again`,
      };
}

export function checkRegion(region: string, telephony: TelephonyChoice = 'chime'): DoctorCheck {
  const problem = regionProblem(region, telephony);
  const title = 'Region supports every resource type';
  if (problem === undefined) {
    const what =
      telephony === 'connect'
        ? 'Amazon Connect and every CloudFormation type of the stack'
        : `SIP media applications with Chime SDK phone numbers${telephony === 'both' ? ', Amazon Connect' : ''} and every CloudFormation type of the stack`;
    return { id: 'region', title, status: 'pass', detail: `${region}: ${what}` };
  }
  return {
    id: 'region',
    title,
    status: 'fail',
    detail: `${region}: ${problem}`,
    action: `deploy to ${allowedRegions(telephony).join(' or ')} (--region and cdk -c region=…)`,
  };
}

const CONNECT_INSTANCE_ARN = /^arn:aws[a-z-]*:connect:([a-z0-9-]+):(\d{12}):instance\/([0-9a-f-]{36})$/;

/** The existing Amazon Connect instance: in this account and region, active, taking inbound calls. */
async function checkConnectInstance(clients: DoctorClients, region: string, account: string | undefined, arn: string | undefined): Promise<DoctorCheck> {
  const id = 'connect-instance';
  const title = 'Amazon Connect instance: this account and region, active, inbound calls on';
  const match = arn === undefined ? null : CONNECT_INSTANCE_ARN.exec(arn);
  if (arn === undefined)
    return { id, title, status: 'fail', detail: 'no instance given', action: 'give --connect-instance-arn, the same ARN as for cdk -c connectInstanceArn=' };
  if (!match)
    return {
      id,
      title,
      status: 'fail',
      detail: 'not an instance ARN',
      action: 'copy the instance ARN from the Amazon Connect console (arn:aws:connect:<region>:<account>:instance/<id>)',
    };
  if (match[1] !== region)
    return {
      id,
      title,
      status: 'fail',
      detail: `the instance is in ${match[1]}, the deploy targets ${region}`,
      action: `deploy to ${match[1]} (--region and cdk -c region=…)`,
    };
  if (account !== undefined && match[2] !== account)
    return {
      id,
      title,
      status: 'fail',
      detail: `the instance belongs to account ${match[2]}, the credentials to ${account}`,
      action: 'deploy with credentials of the instance\u2019s account',
    };
  if (clients.connect === undefined) return { id, title, status: 'skipped', detail: 'no Amazon Connect client', action: 'run doctor from the CLI' };
  const { DescribeInstanceCommand } = await import('@aws-sdk/client-connect');
  try {
    const out = (await clients.connect.send(new DescribeInstanceCommand({ InstanceId: match[3] }))) as {
      Instance?: { InstanceStatus?: string; InboundCallsEnabled?: boolean; InstanceAlias?: string };
    };
    const instance = out.Instance ?? {};
    const alias = instance.InstanceAlias ? ` (${instance.InstanceAlias})` : '';
    if (instance.InstanceStatus !== 'ACTIVE')
      return {
        id,
        title,
        status: 'fail',
        detail: `instance${alias} is ${instance.InstanceStatus ?? 'in an unknown state'}`,
        action: 'wait until the instance is ACTIVE, or fix its creation in the Amazon Connect console',
      };
    if (instance.InboundCallsEnabled !== true)
      return {
        id,
        title,
        status: 'fail',
        detail: `instance${alias} does not take inbound calls`,
        action: 'turn on inbound calls in the instance\u2019s telephony settings',
      };
    return { id, title, status: 'pass', detail: `instance${alias} is ACTIVE with inbound calls on` };
  } catch (err) {
    const { name } = awsError(err);
    return {
      id,
      title,
      status: 'fail',
      detail: `Connect DescribeInstance failed (${name})`,
      action:
        name === 'ResourceNotFoundException'
          ? 'no such instance in this account and region: check the ARN'
          : DENIED.test(name)
            ? 'allow connect:DescribeInstance (and the Connect actions of the deploy) for the deploying principal'
            : 'check that Amazon Connect is reachable in this region and retry',
    };
  }
}

async function checkCredentials(clients: DoctorClients): Promise<{ check: DoctorCheck; account?: string }> {
  const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  try {
    const id = (await clients.sts.send(new GetCallerIdentityCommand({}))) as { Account?: string; Arn?: string };
    return {
      account: id.Account,
      check: { id: 'credentials', title: 'Credentials and account', status: 'pass', detail: `account ${id.Account ?? '?'} as ${id.Arn ?? '?'}` },
    };
  } catch (err) {
    const { name } = awsError(err);
    return {
      check: {
        id: 'credentials',
        title: 'Credentials and account',
        status: 'fail',
        detail: `STS GetCallerIdentity failed (${name})`,
        action: 'sign in for the target account (aws sso login --profile P, or AWS_PROFILE / access keys), then run doctor again with --profile P',
      },
    };
  }
}

async function checkBootstrap(clients: DoctorClients, region: string): Promise<DoctorCheck> {
  const title = 'CDK bootstrap stack and version';
  const action = `run: npx cdk bootstrap aws://<account>/${region}`;
  const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  let status: string | undefined;
  try {
    const out = (await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: BOOTSTRAP_STACK }))) as { Stacks?: { StackStatus?: string }[] };
    status = out.Stacks?.[0]?.StackStatus;
  } catch (err) {
    const { name } = awsError(err);
    if (name === 'ValidationError') return { id: 'bootstrap', title, status: 'fail', detail: `no ${BOOTSTRAP_STACK} stack in ${region}`, action };
    return {
      id: 'bootstrap',
      title,
      status: 'fail',
      detail: `CloudFormation DescribeStacks failed (${name})`,
      action: DENIED.test(name) ? 'allow cloudformation:DescribeStacks for this principal, or ask an administrator to check the bootstrap' : action,
    };
  }
  if (status === undefined || !/_COMPLETE$/.test(status) || /^(ROLLBACK|DELETE)_COMPLETE$/.test(status)) {
    return {
      id: 'bootstrap',
      title,
      status: 'fail',
      detail: `${BOOTSTRAP_STACK} is ${status ?? 'in an unknown state'}`,
      action: `fix or delete the ${BOOTSTRAP_STACK} stack, then ${action}`,
    };
  }
  const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
  try {
    const out = (await clients.ssm.send(new GetParameterCommand({ Name: BOOTSTRAP_VERSION_PARAMETER }))) as { Parameter?: { Value?: string } };
    const version = Number(out.Parameter?.Value);
    if (!Number.isInteger(version) || version < MIN_BOOTSTRAP_VERSION) {
      return {
        id: 'bootstrap',
        title,
        status: 'fail',
        detail: `bootstrap version ${out.Parameter?.Value ?? '?'} is older than ${MIN_BOOTSTRAP_VERSION}`,
        action: `update it: ${action}`,
      };
    }
    return { id: 'bootstrap', title, status: 'pass', detail: `${BOOTSTRAP_STACK} ${status}, version ${version} (needs ${MIN_BOOTSTRAP_VERSION}+)` };
  } catch (err) {
    const { name } = awsError(err);
    return {
      id: 'bootstrap',
      title,
      status: 'fail',
      detail: `${BOOTSTRAP_VERSION_PARAMETER} unreadable (${name})`,
      action: name === 'ParameterNotFound' ? `re-run ${action}` : `allow ssm:GetParameter on ${BOOTSTRAP_VERSION_PARAMETER}`,
    };
  }
}

async function checkSipMediaApplications(clients: DoctorClients, region: string): Promise<DoctorCheck> {
  const title = 'SIP media applications usable by this account';
  const { ListSipMediaApplicationsCommand } = await import('@aws-sdk/client-chime-sdk-voice');
  try {
    const out = (await clients.voice.send(new ListSipMediaApplicationsCommand({ MaxResults: 99 }))) as { SipMediaApplications?: unknown[]; NextToken?: string };
    const n = out.SipMediaApplications?.length ?? 0;
    if (n === 0) {
      return {
        id: 'sip-media-applications',
        title,
        status: 'pass',
        detail: `Chime SDK Voice answers in ${region}; this account has no SIP media application yet`,
        action:
          'Chime SDK PSTN audio is closed to new customers since 2026-10-29: if the first deploy fails creating the SIP media application, the account is not an existing PSTN audio customer (use an account that is, or ask AWS Support)',
      };
    }
    return {
      id: 'sip-media-applications',
      title,
      status: 'pass',
      detail: `this account already uses SIP media applications in ${region} (${n}${out.NextToken ? '+' : ''})`,
    };
  } catch (err) {
    const { name } = awsError(err);
    return {
      id: 'sip-media-applications',
      title,
      status: 'fail',
      detail: `ChimeSDKVoice ListSipMediaApplications failed (${name})`,
      action: DENIED.test(name)
        ? 'allow chime:ListSipMediaApplications, chime:CreateSipMediaApplication and the SIP-rule actions for the deploying principal; an account that never used PSTN audio cannot start after 2026-10-29'
        : 'check that Chime SDK Voice is reachable in this region and retry',
    };
  }
}

async function checkPhoneNumber(clients: DoctorClients, phoneNumber: string | undefined): Promise<DoctorCheck> {
  const title = 'Phone number: in the inventory, right product type, no SIP rule';
  if (phoneNumber === undefined)
    return {
      id: 'phone-number',
      title,
      status: 'skipped',
      detail: 'no --phone-number given',
      action: 'give --phone-number +E.164 (the number you will pass as -c phoneNumber=…)',
    };
  if (!E164.test(phoneNumber))
    return {
      id: 'phone-number',
      title,
      status: 'fail',
      detail: 'the phone number is not in E.164 form',
      action: 'write it as +<country><number>, e.g. +15555550100',
    };
  const { GetPhoneNumberCommand } = await import('@aws-sdk/client-chime-sdk-voice');
  let number: { ProductType?: string; Status?: string; Associations?: { Name?: string; Value?: string }[] } | undefined;
  try {
    number = ((await clients.voice.send(new GetPhoneNumberCommand({ PhoneNumberId: phoneNumber }))) as { PhoneNumber?: typeof number }).PhoneNumber;
  } catch (err) {
    const { name } = awsError(err);
    if (name === 'NotFoundException') {
      return {
        id: 'phone-number',
        title,
        status: 'fail',
        detail: 'the number is not in this account\u2019s Chime SDK inventory',
        action:
          'order one (Chime SDK console > Phone number management > Orders, product type SIP media application dial-in) or port yours in, then run doctor again',
      };
    }
    return {
      id: 'phone-number',
      title,
      status: 'fail',
      detail: `ChimeSDKVoice GetPhoneNumber failed (${name})`,
      action: DENIED.test(name) ? 'allow chime:GetPhoneNumber for this principal' : 'retry',
    };
  }
  if (number?.ProductType !== 'SipMediaApplicationDialIn') {
    return {
      id: 'phone-number',
      title,
      status: 'fail',
      detail: `product type is ${number?.ProductType ?? 'unknown'}, not SipMediaApplicationDialIn`,
      action: `convert it: aws chime-sdk-voice update-phone-number --phone-number-id ${phoneNumber} --product-type SipMediaApplicationDialIn (first remove it from any Voice Connector)`,
    };
  }
  const rule = number.Associations?.find((a) => a.Name === 'SipRuleId');
  if (rule) {
    return {
      id: 'phone-number',
      title,
      status: 'fail',
      detail: `already routed by SIP rule ${rule.Value ?? '?'}`,
      action: 'disable and delete that rule (aws chime-sdk-voice update-sip-rule … --disabled, then delete-sip-rule), or choose another number',
    };
  }
  return { id: 'phone-number', title, status: 'pass', detail: `${phoneNumber}: SipMediaApplicationDialIn, ${number.Status ?? 'status unknown'}, no SIP rule` };
}

async function checkValidationUrl(options: DoctorOptions): Promise<DoctorCheck> {
  const title = 'Validation URL passes the check-validator checks';
  if (options.validationUrl === undefined) {
    return {
      id: 'validation-url',
      title,
      status: 'skipped',
      detail: 'no --validation-url given',
      action: 'give --validation-url https://… (the URL you will pass as -c validationUrl=…), or run npx secure-ivr check-validator URL',
    };
  }
  const run = options.conformance ?? runConformance;
  const report = await run({ url: options.validationUrl, ...(options.validationCaPem ? { caPem: options.validationCaPem } : {}) });
  const failed = report.checks.filter((c: CheckResult) => c.status !== 'pass');
  return failed.length === 0
    ? { id: 'validation-url', title, status: 'pass', detail: `all ${report.checks.length} checks passed` }
    : {
        id: 'validation-url',
        title,
        status: 'fail',
        detail: `${failed.length} of ${report.checks.length} checks did not pass: ${failed.map((c) => c.id).join(', ')}`,
        action: `run npx secure-ivr check-validator ${options.validationUrl} for each check\u2019s reason`,
      };
}

/**
 * The gateway secret exists, is readable, and holds what the chosen connector needs: the same selection
 * code the reference service runs at start (lambdas/validation-service/gateways/select.ts), whose
 * messages name fields, never values. Nothing is sent to the gateway.
 */
export async function checkGatewaySecret(secrets: Sender | undefined, gateway: NonNullable<DoctorOptions['gateway']>): Promise<DoctorCheck> {
  const title = `Payment gateway secret for ${gateway.kind}`;
  const fail = (detail: string, action: string): DoctorCheck => ({ id: 'gateway-secret', title, status: 'fail', detail, action });
  if (secrets === undefined) return fail('no Secrets Manager client', 'run doctor from the CLI');
  const [{ GetSecretValueCommand }, { selectGateway }] = await Promise.all([
    import('@aws-sdk/client-secrets-manager'),
    import('../../lambdas/validation-service/gateways/select'),
  ]);
  let text: string;
  try {
    const reply = (await secrets.send(new GetSecretValueCommand({ SecretId: gateway.secretName }))) as { SecretString?: string };
    if (reply.SecretString === undefined)
      return fail(`${gateway.secretName} has no string value`, 'store the credentials as a JSON string (see the README gateway section)');
    text = reply.SecretString;
  } catch (err) {
    const { name } = awsError(err);
    return name === 'ResourceNotFoundException'
      ? fail(
          `${gateway.secretName} was not found in this region`,
          `create it: aws secretsmanager create-secret --name ${gateway.secretName} --secret-string file://${gateway.kind}.json`,
        )
      : fail(
          `${gateway.secretName} could not be read (${name})`,
          'check secretsmanager:GetSecretValue (and kms:Decrypt for a customer key) for your credentials',
        );
  }
  try {
    await selectGateway(
      { VALIDATION_GATEWAY: gateway.kind, VALIDATION_GATEWAY_SECRET_NAME: gateway.secretName, VALIDATION_GATEWAY_TEST_MODE: String(gateway.testMode) },
      { readSecret: async () => text },
    );
  } catch (err) {
    // Selection and connector configuration errors name the field and the expected shape, never a value.
    const named = err instanceof Error && /ConfigError$|SelectionError$/.test(err.name);
    return fail(
      named ? err.message : 'the secret could not be checked',
      'fix the secret (values are never printed; see the README gateway section for its JSON shape)',
    );
  }
  return { id: 'gateway-secret', title, status: 'pass', detail: `${gateway.secretName} holds what the ${gateway.kind} connector needs (values not shown)` };
}

/** Runs every check in order; AWS checks after failed credentials are skipped, not failed twice. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorCheck[]> {
  const telephony = options.telephony ?? 'chime';
  const chime = telephony !== 'connect';
  const connect = telephony !== 'chime';
  const checks: DoctorCheck[] = [checkNode(options.nodeVersion ?? process.version)];
  const credentials = await checkCredentials(options.clients);
  checks.push(credentials.check, checkRegion(options.region, telephony));
  if (credentials.check.status !== 'pass') {
    const skip = (id: DoctorCheck['id'], title: string): DoctorCheck => ({
      id,
      title,
      status: 'skipped',
      detail: 'needs working credentials',
      action: 'fix the credentials check first',
    });
    checks.push(skip('bootstrap', 'CDK bootstrap stack and version'));
    if (chime)
      checks.push(
        skip('sip-media-applications', 'SIP media applications usable by this account'),
        skip('phone-number', 'Phone number: in the inventory, right product type, no SIP rule'),
      );
    if (connect) checks.push(skip('connect-instance', 'Amazon Connect instance: this account and region, active, inbound calls on'));
  } else {
    checks.push(await checkBootstrap(options.clients, options.region));
    if (chime) checks.push(await checkSipMediaApplications(options.clients, options.region), await checkPhoneNumber(options.clients, options.phoneNumber));
    if (connect) checks.push(await checkConnectInstance(options.clients, options.region, credentials.account, options.connectInstanceArn));
  }
  checks.push(await checkValidationUrl(options));
  if (options.gateway !== undefined) {
    checks.push(
      credentials.check.status === 'pass'
        ? await checkGatewaySecret(options.clients.secrets, options.gateway)
        : {
            id: 'gateway-secret',
            title: `Payment gateway secret for ${options.gateway.kind}`,
            status: 'skipped',
            detail: 'needs working credentials',
            action: 'fix the credentials check first',
          },
    );
  }
  return checks;
}

const USAGE = `Usage: secure-ivr doctor [--telephony chime|connect|both] [--region R] [--profile P] [--phone-number N]
                      [--connect-instance-arn ARN] [--validation-url URL] [--validation-ca FILE]
                      [--gateway G --gateway-secret NAME [--gateway-test-mode true|false]]

Read-only checks of the target account before the first cdk deploy, with your own credentials:
Node.js version, credentials and account, CDK bootstrap stack and version, region, SIP media
applications usable by this account, the phone number (inventory, product type, no SIP rule) and the
validation URL (the check-validator checks); with Amazon Connect, the instance (this account and
region, active, inbound calls on) instead of the Chime checks. Nothing is created or changed.

Options:
  --telephony T         chime (default), connect or both, as for -c telephony=
  --connect-instance-arn ARN  the existing Amazon Connect instance, as for -c connectInstanceArn=
  --region R            target region (default: AWS_REGION, then AWS_DEFAULT_REGION, then us-east-1)
  --profile P           named AWS profile (default: AWS_PROFILE or the default chain)
  --phone-number N      the IVR's number in E.164 form, as for -c phoneNumber=
  --validation-url URL  the merchant validation service, as for -c validationUrl=
  --validation-ca FILE  extra trusted CA certificates (PEM) for a validation service with a private CA
  --gateway G           the reference service's gateway (stripe, adyen, braintree, generic), as for -c gateway=
  --gateway-secret NAME its Secrets Manager secret, as for -c gatewaySecretName=: read, checked for the
                        fields the connector needs, never printed
  --gateway-test-mode   true (default) or false, as for -c gatewayTestMode=
  --help                this text

Exit status: 0 when no check failed (skipped checks do not fail), 1 when one did, 2 for bad usage.`;

const MARK: Record<DoctorStatus, string> = { pass: 'pass', fail: 'FAIL', skipped: 'skipped' };

export function formatReport(checks: readonly DoctorCheck[]): string {
  const lines = checks.map((c) => `${MARK[c.status].padEnd(8)}${c.title}: ${c.detail}${c.action ? `\n        -> ${c.action}` : ''}`);
  const failed = checks.filter((c) => c.status === 'fail');
  const skipped = checks.filter((c) => c.status === 'skipped').length;
  const summary =
    failed.length === 0
      ? `\nready to deploy: no check failed (${skipped} skipped)\n`
      : `\n${failed.length} check(s) failed: ${failed.map((c) => c.id).join(', ')}\n`;
  return `${lines.join('\n')}\n${summary}`;
}

export interface DoctorCommandDeps {
  /** Builds the SDK clients for a region and profile (real clients by default; tests point them at local endpoints). */
  clientsFor?: (region: string, profile: string | undefined) => Promise<DoctorClients>;
  env?: NodeJS.ProcessEnv;
  nodeVersion?: string;
}

async function defaultClients(region: string, profile: string | undefined): Promise<DoctorClients> {
  const [{ STSClient }, { CloudFormationClient }, { SSMClient }, { ChimeSDKVoiceClient }, { ConnectClient }, { SecretsManagerClient }] = await Promise.all([
    import('@aws-sdk/client-sts'),
    import('@aws-sdk/client-cloudformation'),
    import('@aws-sdk/client-ssm'),
    import('@aws-sdk/client-chime-sdk-voice'),
    import('@aws-sdk/client-connect'),
    import('@aws-sdk/client-secrets-manager'),
  ]);
  const config = { region, ...(profile ? { profile } : {}) };
  return {
    sts: new STSClient(config),
    cloudFormation: new CloudFormationClient(config),
    ssm: new SSMClient(config),
    voice: new ChimeSDKVoiceClient(config),
    connect: new ConnectClient(config),
    secrets: new SecretsManagerClient(config),
  };
}

export async function runDoctorCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream, deps: DoctorCommandDeps = {}): Promise<number> {
  let values: {
    telephony?: string;
    'connect-instance-arn'?: string;
    region?: string;
    profile?: string;
    'phone-number'?: string;
    'validation-url'?: string;
    'validation-ca'?: string;
    gateway?: string;
    'gateway-secret'?: string;
    'gateway-test-mode'?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        telephony: { type: 'string' },
        'connect-instance-arn': { type: 'string' },
        region: { type: 'string' },
        profile: { type: 'string' },
        'phone-number': { type: 'string' },
        'validation-url': { type: 'string' },
        'validation-ca': { type: 'string' },
        gateway: { type: 'string' },
        'gateway-secret': { type: 'string' },
        'gateway-test-mode': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    // parseArgs throws TypeErrors with a code (ERR_PARSE_ARGS_*); its message names the option, not a value.
    const message = typeof (e as { message?: unknown })?.message === 'string' ? ((e as { message: string }).message.split('\n')[0] as string) : 'bad arguments';
    err.write(`secure-ivr doctor: ${message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  const telephony = values.telephony ?? 'chime';
  if (telephony !== 'chime' && telephony !== 'connect' && telephony !== 'both') {
    err.write('secure-ivr doctor: --telephony must be chime, connect or both\n');
    return 2;
  }
  const url = values['validation-url'];
  if (url !== undefined && (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))) {
    err.write('secure-ivr doctor: --validation-url must be an absolute https:// URL\n');
    return 2;
  }
  let gateway: DoctorOptions['gateway'];
  const kind = values.gateway?.toLowerCase();
  if (kind !== undefined && kind !== 'test') {
    const found = GATEWAY_KINDS.find((k) => k === kind);
    const testMode = (values['gateway-test-mode'] ?? 'true').toLowerCase();
    const problem =
      found === undefined
        ? `--gateway must be one of ${GATEWAY_KINDS.join(', ')}`
        : values['gateway-secret'] === undefined || values['gateway-secret'] === ''
          ? '--gateway needs --gateway-secret NAME (the secret given as -c gatewaySecretName=)'
          : testMode !== 'true' && testMode !== 'false'
            ? '--gateway-test-mode must be true or false'
            : undefined;
    if (problem !== undefined || found === undefined || found === 'test') {
      err.write(`secure-ivr doctor: ${problem ?? 'bad --gateway'}\n`);
      return 2;
    }
    gateway = { kind: found, secretName: values['gateway-secret'] ?? '', testMode: testMode === 'true' };
  }
  let caPem: string | undefined;
  if (values['validation-ca'] !== undefined) {
    try {
      caPem = await readFile(values['validation-ca'], 'utf8');
    } catch {
      err.write('secure-ivr doctor: cannot read the --validation-ca file\n');
      return 2;
    }
  }
  const env = deps.env ?? process.env;
  const profile = values.profile ?? env.AWS_PROFILE;
  const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const clients = await (deps.clientsFor ?? defaultClients)(region, profile);
  err.write(`secure-ivr doctor: checking ${region}${profile ? ` with profile ${profile}` : ''} (read-only)\n`);
  const checks = await runDoctor({
    region,
    clients,
    telephony,
    ...(values['connect-instance-arn'] !== undefined ? { connectInstanceArn: values['connect-instance-arn'] } : {}),
    ...(values['phone-number'] !== undefined ? { phoneNumber: values['phone-number'] } : {}),
    ...(url !== undefined ? { validationUrl: url } : {}),
    ...(caPem !== undefined ? { validationCaPem: caPem } : {}),
    ...(deps.nodeVersion !== undefined ? { nodeVersion: deps.nodeVersion } : {}),
    ...(gateway !== undefined ? { gateway } : {}),
  });
  out.write(formatReport(checks));
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}

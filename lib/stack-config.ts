/**
 * Reads and checks the deployment settings from CDK context (`-c key=value` or cdk.json "context") once,
 * at synth, and names every problem in one error. Also loads the secure input configuration (config/secure-ivr.json,
 * or a built-in single card-payment form) and checks it with the same parser the functions use.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node } from 'constructs';
import { DEFAULT_IVR, type FormsConfig } from '../lambdas/shared/session/forms';
import { parseFormsConfig } from '../lambdas/shared/session/forms-config';
import { type CardFieldNames, DEFAULT_CARD_FIELD_NAMES, parseCardFieldNames } from '../lambdas/validator/card-field-names';
import { cognitoDomainPrefixProblems } from './constructs/agent-api';
import { regionProblem } from './regions';
import { COMPLETE_SECRET_ARN, KMS_KEY_ARN, PARAMETER_NAME } from './constructs/validator-trust';
import { readConnectConfig, readTelephony, type ConnectConfig, type TelephonyChoice } from './connect/connect-config';

export type AgentEndpointType = 'PSTN' | 'AWS';

export interface SecureIvrConfig {
  readonly account: string;
  /** True when no account was given (context or CDK_DEFAULT_ACCOUNT): FALLBACK_ACCOUNT stands in, for offline synth only. */
  readonly placeholderAccount?: boolean;
  readonly region: string;
  readonly agentEndpointType: AgentEndpointType;
  readonly agentEndpointUri: string;
  readonly agentVoiceConnectorArn?: string;
  readonly callerIdNumber?: string;
  /** The merchant's validation service; absent only when deployReferenceService is on (the validator then uses it). */
  readonly validationUrl?: string;
  /** Deploy the reference validation service (test gateway) behind an IAM-authenticated function URL. */
  readonly deployReferenceService: boolean;
  /** Reserved concurrency of the reference service; absent means none (accounts with a quota of 10 cannot reserve). */
  readonly referenceServiceConcurrency?: number;
  /** The reference service's payment gateway (`-c gateway=test|stripe|generic`). @default test */
  readonly gateway: 'test' | 'stripe' | 'generic';
  /** Secrets Manager secret name holding the gateway credentials (JSON); required unless gateway is test. */
  readonly gatewaySecretName?: string;
  /** Refuse non-test card numbers before calling the gateway. @default true */
  readonly gatewayTestMode: boolean;
  /** Where the validator's private CA bundle / client certificate are (see ValidatorTrust). */
  readonly validationCaSecretArn?: string;
  readonly validationCaParameter?: string;
  readonly validationClientCertSecretArn?: string;
  readonly validationSecretsKeyArn?: string;
  readonly phoneNumber?: string;
  readonly language: string;
  readonly languages: readonly string[];
  readonly voice: string;
  readonly captureTimeoutMinutes: number;
  readonly recordingRetentionDays: number;
  /** Object Lock (COMPLIANCE) retention of audit events and outcomes; at least 365 (PCI DSS 10.5.1). */
  readonly auditRetentionDays: number;
  readonly cardFieldNames: Readonly<CardFieldNames>;
  readonly forms: FormsConfig;
  /** CCaaS desktop origins (https://host[:port]) allowed to embed the agent console (CSP frame-ancestors). */
  readonly consoleEmbeddingOrigins: readonly string[];
  /** Set the account's API Gateway CloudWatch Logs role (WebSocket access logging needs one). */
  readonly apiGatewayAccountRole: boolean;
  /** The agents' hosted sign-in page's Cognito prefix domain; absent means `<stack name>-<account>` (AgentApi). */
  readonly cognitoDomainPrefix?: string;
  /** Which telephony carries calls: the Chime SMA (default), Amazon Connect, or both. */
  readonly telephony: TelephonyChoice;
  /** Present when telephony is connect or both. */
  readonly connect?: ConnectConfig;
}

/** Offline synth works without credentials; `cdk deploy` always has CDK_DEFAULT_ACCOUNT from the profile. */
export const FALLBACK_ACCOUNT = '123456789012';
export const FALLBACK_REGION = 'us-east-1';
export const FORMS_FILE = path.resolve(__dirname, '..', 'config', 'secure-ivr.json');
export const EXAMPLE_SYNTH = 'npx cdk synth -c agentEndpointUri=+15555550100 -c validationUrl=https://pay.example.com/validate';

export class StackConfigError extends Error {
  public readonly problems: readonly string[];
  public constructor(problems: string[]) {
    super(`secure-ivr cannot be synthesized; fix these settings (CDK context, -c key=value):\n  - ${problems.join('\n  - ')}\nExample: ${EXAMPLE_SYNTH}`);
    this.name = 'StackConfigError';
    this.problems = problems;
  }
}

export interface ReadConfigOptions {
  /** Secure input configuration to load. @default FORMS_FILE (config/secure-ivr.json at the repository root) */
  readonly formsFile?: string;
  /** Process environment for CDK_DEFAULT_ACCOUNT/REGION. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const E164 = /^\+[1-9]\d{6,14}$/;
const LANGUAGE = /^[a-z]{2,3}-[A-Z]{2}$/;
/** A Voice Connector (`vc/…`) or Voice Connector group (`vcg/…`): CallAndBridge takes either as an AWS endpoint. */
const VOICE_CONNECTOR_ARN = /^arn:aws[a-z-]*:chime:[a-z0-9-]+:\d{12}:vcg?\/[A-Za-z0-9-]+$/;

/** Context from the CLI arrives as strings, from cdk.json typed; both are accepted. */
function text(node: Node, key: string): string | undefined {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null) return undefined;
  const value = String(raw).trim();
  return value === '' ? undefined : value;
}

function wholeNumber(node: Node, key: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = text(node, key);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${key} must be a whole number from ${min} to ${max}`);
    return fallback;
  }
  return n;
}

/** Same parser the validator runs on CARD_FIELD_NAMES, so synth refuses what the function would refuse. */
function readCardFieldNames(node: Node, problems: string[]): CardFieldNames {
  const raw: unknown = node.tryGetContext('cardFieldNames');
  const json = raw === undefined || raw === null ? undefined : typeof raw === 'string' ? raw : JSON.stringify(raw);
  const parsed = parseCardFieldNames(json, 'cardFieldNames');
  if (parsed.ok) return parsed.names;
  problems.push(parsed.problem);
  return { ...DEFAULT_CARD_FIELD_NAMES };
}

function readLanguages(node: Node, problems: string[]): string[] | undefined {
  const raw: unknown = node.tryGetContext('languages');
  if (raw === undefined || raw === null || raw === '') return undefined;
  const list = Array.isArray(raw)
    ? raw.map(String)
    : String(raw)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
  const bad = list.filter((l) => !LANGUAGE.test(l));
  if (list.length === 0 || bad.length > 0) problems.push('languages must be a comma-separated list of language codes such as en-US,es-US');
  return list;
}

/** consoleEmbeddingOrigins: a comma-separated list (or a JSON list in cdk.json) of https origins. */
function readOrigins(node: Node, problems: string[]): string[] {
  const raw: unknown = node.tryGetContext('consoleEmbeddingOrigins');
  if (raw === undefined || raw === null || raw === '') return [];
  const list = Array.isArray(raw)
    ? raw.map(String)
    : String(raw)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
  if (list.some((o) => !/^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o)))
    problems.push('consoleEmbeddingOrigins must be a comma-separated list of https://host[:port] origins (no paths)');
  return list;
}

function defaultForms(language: string, voice: string): unknown {
  return {
    forms: [
      {
        id: 'card-payment',
        type: 'simple',
        title: 'Card payment',
        description: 'Take a card payment: the caller keys card number, expiry and security code on the keypad.',
        ivr: { ...DEFAULT_IVR, language, voice },
        fields: [
          { id: 'customer name', displayName: 'Customer name', required: true },
          { id: 'charge amount', displayName: 'Amount', required: true, pattern: '^[0-9]{1,7}(\\.[0-9]{2})?$' },
        ],
      },
    ],
  };
}

function loadForms(file: string, language: string, voice: string, problems: string[]): FormsConfig {
  let raw: unknown = defaultForms(language, voice);
  if (fs.existsSync(file)) {
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      problems.push(`${path.basename(file)} is not valid JSON`);
      return { forms: [] };
    }
  }
  try {
    return parseFormsConfig(raw);
  } catch (err) {
    problems.push(err instanceof Error ? err.message : 'the forms configuration is invalid');
    return { forms: [] };
  }
}

/** Reads every setting from context; throws one StackConfigError naming every missing or bad value. */
export function readStackConfig(node: Node, options: ReadConfigOptions = {}): SecureIvrConfig {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  const missing: string[] = [];

  const givenAccount = text(node, 'account') ?? env.CDK_DEFAULT_ACCOUNT;
  const account = givenAccount ?? FALLBACK_ACCOUNT;
  if (!/^\d{12}$/.test(account)) problems.push('account must be a 12-digit AWS account id');
  const region = text(node, 'region') ?? env.CDK_DEFAULT_REGION ?? FALLBACK_REGION;
  const telephony = readTelephony(node, problems);
  // The allowed regions follow the telephony: the SIP media application's for chime|both, Amazon Connect's for connect.
  const badRegion = regionProblem(region, telephony);
  if (badRegion) problems.push(badRegion);

  const typeRaw = (text(node, 'agentEndpointType') ?? 'PSTN').toUpperCase();
  const agentEndpointType: AgentEndpointType = typeRaw === 'AWS' ? 'AWS' : 'PSTN';
  if (typeRaw !== 'PSTN' && typeRaw !== 'AWS') problems.push('agentEndpointType must be PSTN or AWS');

  const agentEndpointUri = text(node, 'agentEndpointUri');
  if (agentEndpointUri === undefined && telephony !== 'connect')
    missing.push('agentEndpointUri (the agent leg: an E.164 number for PSTN, the SIP URI user part for AWS)');
  else if (agentEndpointUri === undefined) {
    // Connect only: no agent leg to call back.
  } else if (agentEndpointType === 'PSTN' && !E164.test(agentEndpointUri))
    problems.push('agentEndpointUri must be an E.164 number such as +15555550100 when agentEndpointType is PSTN');
  else if (agentEndpointType === 'AWS' && !/^[A-Za-z0-9+._-]{1,64}$/.test(agentEndpointUri))
    problems.push('agentEndpointUri must be a SIP URI user part (letters, digits, + . _ -) when agentEndpointType is AWS');

  const agentVoiceConnectorArn = text(node, 'agentVoiceConnectorArn');
  if (agentEndpointType === 'AWS' && agentVoiceConnectorArn === undefined && telephony !== 'connect')
    missing.push('agentVoiceConnectorArn (required when agentEndpointType is AWS)');
  else if (agentVoiceConnectorArn !== undefined && !VOICE_CONNECTOR_ARN.test(agentVoiceConnectorArn))
    problems.push(
      'agentVoiceConnectorArn must be a Chime SDK Voice Connector or Voice Connector group ARN (arn:aws:chime:<region>:<account>:vc/<id> or …:vcg/<id>)',
    );

  const callerIdNumber = text(node, 'callerIdNumber');
  if (callerIdNumber !== undefined && !E164.test(callerIdNumber)) problems.push('callerIdNumber must be an E.164 number such as +15555550100');

  const deployReferenceServiceRaw = (text(node, 'deployReferenceService') ?? 'false').toLowerCase();
  const deployReferenceService = deployReferenceServiceRaw === 'true';
  if (deployReferenceServiceRaw !== 'true' && deployReferenceServiceRaw !== 'false') problems.push('deployReferenceService must be true or false');
  const referenceServiceConcurrency =
    text(node, 'referenceServiceConcurrency') === undefined ? undefined : wholeNumber(node, 'referenceServiceConcurrency', 1, 1, 1000, problems);
  const gatewayRaw = (text(node, 'gateway') ?? 'test').toLowerCase();
  const gateway = (['test', 'stripe', 'generic'] as const).find((kind) => kind === gatewayRaw) ?? 'test';
  if (gatewayRaw === 'adyen' || gatewayRaw === 'braintree')
    problems.push(`gateway ${gatewayRaw} is not available in this release (use test, stripe or generic)`);
  else if (gateway !== gatewayRaw) problems.push('gateway must be test, stripe or generic');
  if (gateway !== 'test' && !deployReferenceService)
    problems.push('gateway needs deployReferenceService=true (it runs inside the reference validation service)');
  const gatewaySecretName = text(node, 'gatewaySecretName');
  if (gateway !== 'test' && gatewaySecretName === undefined) missing.push(`gatewaySecretName (the Secrets Manager secret with the ${gateway} credentials)`);
  else if (gatewaySecretName !== undefined && !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(gatewaySecretName))
    problems.push('gatewaySecretName must be a Secrets Manager secret name (letters, digits, / _ + = . @ -)');
  const gatewayTestModeRaw = (text(node, 'gatewayTestMode') ?? 'true').toLowerCase();
  if (gatewayTestModeRaw !== 'true' && gatewayTestModeRaw !== 'false') problems.push('gatewayTestMode must be true or false');
  const validationUrl = text(node, 'validationUrl');
  if (validationUrl === undefined && !deployReferenceService) missing.push('validationUrl (the merchant validation web service, https://…)');
  else if (validationUrl !== undefined && (!URL.canParse(validationUrl) || new URL(validationUrl).protocol !== 'https:'))
    problems.push('validationUrl must be an https:// URL');

  const validationCaSecretArn = text(node, 'validationCaSecretArn');
  const validationCaParameter = text(node, 'validationCaParameter');
  const validationClientCertSecretArn = text(node, 'validationClientCertSecretArn');
  const validationSecretsKeyArn = text(node, 'validationSecretsKeyArn');
  for (const [key, value] of [
    ['validationCaSecretArn', validationCaSecretArn],
    ['validationClientCertSecretArn', validationClientCertSecretArn],
  ] as const) {
    if (value !== undefined && !COMPLETE_SECRET_ARN.test(value))
      problems.push(`${key} must be a complete Secrets Manager secret ARN (ending in the 6-character suffix)`);
  }
  if (validationCaParameter !== undefined && !PARAMETER_NAME.test(validationCaParameter))
    problems.push('validationCaParameter must be an SSM parameter name such as /secure-ivr/validation-ca');
  if (validationCaSecretArn !== undefined && validationCaParameter !== undefined)
    problems.push('give validationCaSecretArn or validationCaParameter, not both');
  if (validationSecretsKeyArn !== undefined && !KMS_KEY_ARN.test(validationSecretsKeyArn)) problems.push('validationSecretsKeyArn must be a KMS key ARN');

  const phoneNumber = text(node, 'phoneNumber');
  if (phoneNumber !== undefined && !E164.test(phoneNumber)) problems.push('phoneNumber must be an E.164 number such as +15555550100');

  const language = text(node, 'language') ?? 'en-US';
  if (!LANGUAGE.test(language)) problems.push('language must be a language code such as en-US');
  const voice = text(node, 'voice') ?? 'Joanna';
  if (!/^[A-Za-z]{2,20}$/.test(voice)) problems.push('voice must be a Polly voice id such as Joanna');
  const languages = readLanguages(node, problems);

  const captureTimeoutMinutes = wholeNumber(node, 'captureTimeoutMinutes', 10, 1, 30, problems);
  const recordingRetentionDays = wholeNumber(node, 'recordingRetentionDays', 365, 1, 3650, problems);
  const auditRetentionDays = wholeNumber(node, 'auditRetentionDays', 365, 365, 3650, problems);
  const cardFieldNames = readCardFieldNames(node, problems);
  const forms = loadForms(options.formsFile ?? FORMS_FILE, language, voice, problems);
  const consoleEmbeddingOrigins = readOrigins(node, problems);
  const apiGatewayAccountRoleRaw = (text(node, 'apiGatewayAccountRole') ?? 'true').toLowerCase();
  if (apiGatewayAccountRoleRaw !== 'true' && apiGatewayAccountRoleRaw !== 'false') problems.push('apiGatewayAccountRole must be true or false');
  const cognitoDomainPrefix = text(node, 'cognitoDomainPrefix');
  if (cognitoDomainPrefix !== undefined) problems.push(...cognitoDomainPrefixProblems(cognitoDomainPrefix));

  if (languages !== undefined) {
    if (!languages.includes(language)) problems.push(`language ${language} is not in languages`);
    for (const form of forms.forms) {
      if (!languages.includes(form.ivr.language)) problems.push(`form ${form.id} uses language ${form.ivr.language}, which is not in languages`);
    }
  }

  const connect = readConnectConfig(node, telephony, { account, region }, problems);
  if (telephony === 'connect') {
    // Settings of the Chime SMA only: silently dropping them would hide a wrong telephony choice.
    const chimeOnly = (
      [
        ['phoneNumber', phoneNumber],
        ['callerIdNumber', callerIdNumber],
        ['agentVoiceConnectorArn', agentVoiceConnectorArn],
      ] as const
    ).filter(([, value]) => value !== undefined);
    for (const [key] of chimeOnly) problems.push(`${key} applies to the Chime SIP media application only; remove it or choose telephony=chime or both`);
  }

  if (missing.length > 0) problems.unshift(`missing context values: ${missing.join(', ')}`);
  if (problems.length > 0) throw new StackConfigError(problems);
  return {
    account,
    ...(givenAccount === undefined ? { placeholderAccount: true } : {}),
    region,
    agentEndpointType,
    agentEndpointUri: agentEndpointUri ?? '',
    agentVoiceConnectorArn,
    callerIdNumber,
    validationUrl,
    deployReferenceService,
    ...(referenceServiceConcurrency !== undefined ? { referenceServiceConcurrency } : {}),
    gateway,
    ...(gatewaySecretName !== undefined ? { gatewaySecretName } : {}),
    gatewayTestMode: gatewayTestModeRaw !== 'false',
    validationCaSecretArn,
    validationCaParameter,
    validationClientCertSecretArn,
    validationSecretsKeyArn,
    phoneNumber,
    language,
    languages: languages ?? [language],
    voice,
    captureTimeoutMinutes,
    recordingRetentionDays,
    auditRetentionDays,
    cardFieldNames,
    forms,
    consoleEmbeddingOrigins,
    apiGatewayAccountRole: apiGatewayAccountRoleRaw !== 'false',
    ...(cognitoDomainPrefix !== undefined ? { cognitoDomainPrefix } : {}),
    telephony,
    ...(connect ? { connect } : {}),
  };
}

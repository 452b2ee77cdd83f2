/**
 * The local sandbox: one process that runs the product's own handlers on local engines, reached by the
 * real AWS SDK v3 clients through endpoint overrides — dynalite (DynamoDB), s3rver (S3), a loopback KMS,
 * aws-local-stepfunctions on the CDK-synthesized state machine, the SIP media application emulator and
 * the reference validation web service over HTTPS with a certificate made at start.
 *
 * The handlers read their configuration from process.env, as in Lambda, so one process hosts one
 * sandbox at a time.
 */
import './polyfills';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startDynamo, startKms, startS3, startStepFunctions, type DynamoEngine, type KmsEngine, type S3Engine, type StepFunctionsEngine } from './engines';
import { startDynamoProcess, startS3Process } from './engines/engine-process';
import { checkTimingScale, SmaEmulator, type EmulatedCall, type EmulatorFaults, type PlaceCallOptions } from './sma/emulator';
import { startVoiceEndpoint, type VoiceEndpoint } from './sma/voice-endpoint';
import type { KeySource } from './sma/caller';
import { synthesizeSessionDefinition } from '../lib/session-definition';
import { makeLocalCertificates } from './tls/certificates';
import { recoverAfterRestart, type RecoveryReport } from './restart-recovery';
import { startValidationServer, type RunningValidationServer } from '../lambdas/validation-service/server';
import type { GatewayKind } from '../lambdas/validation-service/gateways/env';
import { startSandboxGateway } from './fakes/sandbox-gateway';
import type { SessionOutcome, SessionRequest } from '../lambdas/shared/session/contract';
import { CallRecorder } from './recording/call-recording';
import { createValidateHandler, type ValidateHandler } from '../lambdas/session/validate/handler';
import { captureLogs, type LogCapture } from './log-capture';

export const SANDBOX_SMA_ID = 'sandbox-sma';
export const SANDBOX_AGENT_ENDPOINT = '+15555550100';
export const RECORDING_BUCKET = 'secure-ivr-recordings';
/** The audit trail (hash-chained events) and finance outcomes; Object Lock is deploy-only (CDK asserts it). */
export const AUDIT_BUCKET = 'secure-ivr-audit';
export const AUDIT_CHAIN_TABLE = 'AuditChainTable';
export const SESSION_TABLE = 'SessionTable';
export const VAULT_TABLE = 'CardVaultTable';
/** The agents' open WebSocket connections (the agent API's AgentConnectionsTable). */
export const AGENT_CONNECTIONS_TABLE = 'AgentConnectionsTable';
const VAULT_KEY_ALIAS = 'alias/secure-ivr-vault';
/** The audit digest signing key (ECC P-256); `secure-ivr audit verify --digest-key` names it. */
export const DIGEST_KEY_ALIAS = 'alias/secure-ivr-audit-digest';

export interface SandboxOptions {
  /** Where all state lives (DynamoDB, S3, KMS keys, logs). @default ./.sandbox */
  dataDir?: string;
  /** Keep DynamoDB and KMS in memory (tests); S3 and logs still go under dataDir. @default false */
  ephemeral?: boolean;
  /** Validate against another service instead of the built-in reference service. */
  validationUrl?: string;
  /** Extra CA (PEM) to trust for `validationUrl`. */
  validationCaPem?: string;
  /**
   * The reference service's payment gateway: the TestGateway, or a real connector pointed at that
   * gateway's local fake (sandbox/fakes/sandbox-gateway.ts). Ignored with `validationUrl`. @default 'test'
   */
  gateway?: GatewayKind;
  /** Real milliseconds per nominal call millisecond in the SMA emulator (scripted calls). @default 0 */
  timingScale?: number;
  /**
   * The same for interactive calls, placed by a person on the keypad page: 1 plays prompts and times out
   * keys as on a phone. `secure-ivr sandbox` defaults it to 1 (--timing-scale).
   * @default timingScale
   */
  interactiveTimingScale?: number;
  faults?: EmulatorFaults;
  /** The secure input configuration (forms, workgroups, rights). @default config/secure-ivr.json */
  formsFile?: string;
  /**
   * Run the storage engines (s3rver: recordings and audit events; dynalite: sessions, vault, chain
   * heads) in their own processes, on the machine's other core. The CLI and the benchmarks do;
   * in-process is simpler for tests. @default false
   */
  storageInChildProcesses?: boolean;
  /**
   * The telephony scripted calls and the keypad page use: the Chime SIP media application emulator, or
   * the Amazon Connect flow emulator running the stack's secure-input flow. @default 'chime'
   */
  telephony?: 'chime' | 'connect';
}

type LambdaModule = { handler: (event: unknown, context: unknown) => Promise<unknown> };
/**
 * Imports once, as a warm Lambda container keeps its modules: a dynamic import() on every invocation
 * is not free, and under tsx each one is a round trip to the loader's thread (seen in the 200-call
 * profile). A failed import is tried again next time.
 */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load().catch((err: unknown) => {
      loaded = undefined;
      throw err;
    });
    return loaded;
  };
}
/** Each handler takes its own event type; the sandbox feeds them JSON as Lambda does. */
const asModule = (load: () => Promise<unknown>): (() => Promise<LambdaModule>) => once(() => load() as Promise<LambdaModule>);
/** The agent's side of a session request, imported on first use. */
const sessionStarter = once(() => Promise.all([import('../lambdas/shared/clients'), import('../lambdas/shared/session/start-session')]));

const HANDLERS: Record<string, () => Promise<LambdaModule>> = {
  begin: asModule(() => import('../lambdas/session/begin/handler')),
  getKey: asModule(() => import('../lambdas/session/get-key/handler')),
  insert: asModule(() => import('../lambdas/session/info-insert/handler')),
  end: asModule(() => import('../lambdas/session/end/handler')),
  abort: asModule(() => import('../lambdas/session/abort/handler')),
};

/** Calls a handler as Lambda would: JSON in, JSON out, errors carried by name. */
async function invokeLambda(load: () => Promise<LambdaModule>, payload: unknown): Promise<unknown> {
  const { handler } = await load();
  const context = { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => 30_000 };
  const result = await handler(JSON.parse(JSON.stringify(payload ?? null)), context);
  return result === undefined ? null : JSON.parse(JSON.stringify(result));
}

export interface CallResult {
  sessionId: string;
  transactionId?: string;
  outcome: 'accepted' | 'declined' | 'unknown' | 'aborted' | 'failed';
  details: string;
  last4?: string;
  resultLine?: string;
  /** The error behind an abort (CallerHungUp, SessionRequestRefused, …). */
  error?: string;
  executionArn: string;
  call: EmulatedCall;
  /** Milliseconds from the caller's last key to the outcome being recorded for the agent. */
  lastKeyToOutcomeMs?: number;
}

export interface SessionAsk {
  formId: string;
  fields: Record<string, string>;
  agentId?: string;
  parties?: number;
}

/** How long one stage handler invocation took in-process (what Lambda would bill, warm). */
export interface StageTiming {
  role: string;
  ms: number;
}

/** Runs before a stage handler is invoked: lets tests and the soak hold or fail a stage. */
export type StageHook = (payload: unknown) => Promise<void>;

export class Sandbox {
  private sweeper: NodeJS.Timeout | undefined;
  private logs: LogCapture | undefined;
  private nextDigestHour: string | undefined;

  /** Signs the audit digest of every hour that ended since the last one (the digest function's own code). */
  public async digestEndedHours(now: Date = new Date()): Promise<string[]> {
    const { handler } = await import('../lambdas/audit/digest-handler');
    const current = now.toISOString().slice(0, 13);
    const written: string[] = [];
    while (this.nextDigestHour !== undefined && this.nextDigestHour < current) {
      const hour = this.nextDigestHour;
      await handler({ time: now.toISOString(), hour });
      written.push(hour);
      this.nextDigestHour = new Date(new Date(`${hour}:00:00.000Z`).getTime() + 3600 * 1000).toISOString().slice(0, 13);
    }
    return written;
  }
  /** Writes each call's recording (WAV) to S3 when the call ends. */
  public recorder: CallRecorder | undefined;
  private validators: { current: ValidateHandler } | undefined;
  /** Hooks by handler role (begin, getKey, insert, validate, end, abort). */
  public readonly stageHooks: Map<string, StageHook>;
  /** Timing scale of calls a person places on the keypad page (see SandboxOptions.interactiveTimingScale). */
  public interactiveTimingScale = 0;
  /** What start-up closed that a previous run (stopped mid-call) had left open. */
  public recovery: RecoveryReport = { sessionsAborted: 0, vaultItemsDestroyed: 0, expiredSwept: 0 };
  /** The Amazon Connect telephony, when the sandbox runs with `telephony: 'connect'`. */
  public connect: import('./connect/connect-sandbox').ConnectSandbox | undefined;

  private constructor(
    public readonly dataDir: string,
    public readonly logDir: string,
    public readonly kms: KmsEngine,
    public readonly dynamo: DynamoEngine,
    public readonly s3: S3Engine,
    public readonly sfn: StepFunctionsEngine,
    public readonly emulator: SmaEmulator,
    public readonly voice: VoiceEndpoint,
    public readonly validation: RunningValidationServer | undefined,
    public readonly validationUrl: string,
    stageHooks: Map<string, StageHook>,
    /** Stage handler durations since start or the last resetCounts. */
    public readonly stageTimings: StageTiming[],
  ) {
    this.stageHooks = stageHooks;
  }

  public static async start(options: SandboxOptions = {}): Promise<Sandbox> {
    // Checked before any engine starts, so a bad scale leaves nothing running.
    const scriptedScale = checkTimingScale(options.timingScale ?? 0);
    const interactiveScale = checkTimingScale(options.interactiveTimingScale ?? scriptedScale);
    const dataDir = resolve(options.dataDir ?? '.sandbox');
    const logDir = join(dataDir, 'logs');
    for (const dir of [dataDir, logDir, join(dataDir, 's3')]) mkdirSync(dir, { recursive: true });

    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'sandbox',
      AWS_SECRET_ACCESS_KEY: 'sandbox',
    });
    // What the handlers log to stdout (CloudWatch Logs in AWS) goes to the log directory from here on.
    const logs = captureLogs(logDir);
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;

    const kms = await startKms({ ...(options.ephemeral ? {} : { dataDir: join(dataDir, 'kms') }), keys: [VAULT_KEY_ALIAS], signingKeys: [DIGEST_KEY_ALIAS] });
    const dynamoOptions = {
      ...(options.ephemeral ? {} : { dataDir: join(dataDir, 'dynamodb') }),
      tables: [
        { name: SESSION_TABLE, partitionKey: 'sessionId' },
        { name: VAULT_TABLE, partitionKey: 'sessionId' },
        { name: AUDIT_CHAIN_TABLE, partitionKey: 'stream' },
        { name: AGENT_CONNECTIONS_TABLE, partitionKey: 'sessionId' },
      ],
    };
    const dynamo = options.storageInChildProcesses ? await startDynamoProcess(dynamoOptions) : await startDynamo(dynamoOptions);
    // The audit bucket's policy in AWS requires If-None-Match on every write: the local S3 plays it too.
    const s3Options = {
      dataDir: join(dataDir, 's3'),
      buckets: [RECORDING_BUCKET, AUDIT_BUCKET],
      conditionalWritesOnly: ['events/', 'outcomes/', 'digests/'].map((prefix) => ({ bucket: AUDIT_BUCKET, prefix })),
    };
    const s3 = options.storageInChildProcesses ? await startS3Process(s3Options) : await startS3(s3Options);

    let validation: RunningValidationServer | undefined;
    let validationUrl = options.validationUrl;
    let caPem = options.validationCaPem;
    if (!validationUrl) {
      const certs = await makeLocalCertificates();
      const payments = await startSandboxGateway(options.gateway ?? 'test', certs);
      const server = await startValidationServer({
        tls: { key: certs.keyPem, cert: certs.certPem },
        ...(payments.gateway ? { gateway: payments.gateway } : {}),
      });
      validation = {
        ...server,
        close: async () => {
          await server.close();
          await payments.close();
        },
      };
      validationUrl = validation.url;
      caPem = certs.caPem;
    }

    // The Validate stage runs on the sandbox's own handler instance (its HTTPS pool lives and dies with
    // this sandbox); restartValidator() makes a new one after the validation settings changed.
    const validators: { current: ValidateHandler } = { current: createValidateHandler() };
    const stageHooks = new Map<string, StageHook>();
    const stageTimings: StageTiming[] = [];
    const { definition, functionIds } = synthesizeSessionDefinition();
    const sfn = await startStepFunctions({
      definition,
      functionRoles: functionIds,
      waitTimeScale: 0.01,
      invoke: async (role, payload) => {
        const load = role === 'validate' ? async (): Promise<LambdaModule> => ({ handler: validators.current as LambdaModule['handler'] }) : HANDLERS[role];
        if (!load) throw new Error(`No handler for role ${role}`);
        await stageHooks.get(role)?.(payload);
        const started = performance.now();
        try {
          return await invokeLambda(load, payload);
        } finally {
          if (stageTimings.length < 100_000) stageTimings.push({ role, ms: performance.now() - started });
        }
      },
    });

    const smaHandler = (await import('../lambdas/telephony/chime-sma/handler')).handler as unknown as (event: unknown, context: unknown) => Promise<unknown>;
    const emulator = new SmaEmulator({
      handler: smaHandler,
      sipMediaApplicationId: SANDBOX_SMA_ID,
      timing: { scale: scriptedScale },
      faults: options.faults ?? {},
    });
    const voice = await startVoiceEndpoint(emulator);

    Object.assign(process.env, {
      AWS_ENDPOINT_URL_KMS: kms.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_SFN: sfn.endpoint,
      AWS_ENDPOINT_URL_CHIME_SDK_VOICE: voice.endpoint,
      SESSION_TABLE,
      VAULT_TABLE,
      VAULT_KEY_ARN: kms.keyArn(VAULT_KEY_ALIAS),
      VAULT_TTL_SECONDS: '900',
      SIP_MEDIA_APPLICATION_ID: SANDBOX_SMA_ID,
      // Sessions pick their adapter by call id; Connect call ids exist only when its telephony runs.
      TELEPHONY_ADAPTERS: options.telephony === 'connect' ? 'both' : 'chime',
      AGENT_ENDPOINT_TYPE: 'PSTN',
      AGENT_ENDPOINT_URI: SANDBOX_AGENT_ENDPOINT,
      RECORDING_BUCKET,
      AUDIT_BUCKET,
      AUDIT_DIGEST_KEY_ARN: kms.keyArn(DIGEST_KEY_ALIAS),
      AUDIT_CHAIN_TABLE,
      RECORDING_PREFIX: 'calls',
      VALIDATION_URL: validationUrl,
      STATE_MACHINE_ARN: sfn.stateMachineArn,
      FORMS_FILE: resolve(options.formsFile ?? join(__dirname, '..', 'config', 'secure-ivr.json')),
    });
    if (caPem) process.env.VALIDATION_CA_PEM = caPem;
    else delete process.env.VALIDATION_CA_PEM;
    // Begin and the agent API read the configuration file; a parameter or inline JSON left over would win.
    delete process.env.SECURE_INPUT_CONFIG_PARAMETER;
    delete process.env.SECURE_INPUT_CONFIG_JSON;

    const sandbox = new Sandbox(dataDir, logDir, kms, dynamo, s3, sfn, emulator, voice, validation, validationUrl, stageHooks, stageTimings);
    const { s3Client } = await import('../lambdas/shared/clients');
    const recorder = new CallRecorder(s3Client);
    emulator.onCallEnded((call) => recorder.onCallEnded(call));
    sandbox.recorder = recorder;
    sandbox.logs = logs;
    sandbox.validators = validators;
    sandbox.interactiveTimingScale = interactiveScale;
    // DynamoDB TTL is a backstop in AWS; dynalite has none, so the sandbox sweeps expired items itself.
    // The hourly audit digests (an EventBridge schedule in AWS): each hour that ends while the sandbox runs.
    sandbox.nextDigestHour = new Date().toISOString().slice(0, 13);
    sandbox.sweeper = setInterval(() => {
      void dynamo.sweepExpired(VAULT_TABLE).catch(() => undefined);
      void dynamo.sweepExpired(SESSION_TABLE).catch(() => undefined);
      void dynamo.sweepExpired(AGENT_CONNECTIONS_TABLE).catch(() => undefined);
      void sandbox.digestEndedHours().catch(() => undefined);
    }, 60_000);
    sandbox.sweeper.unref();
    // A previous run stopped mid-call (Ctrl-C) left open sessions and sealed vault items behind: close them now.
    sandbox.recovery = await recoverAfterRestart(dynamo, await (await import('../lambdas/shared/clients')).documentClient(), {
      session: SESSION_TABLE,
      vault: VAULT_TABLE,
    });
    if (options.telephony === 'connect') {
      const [{ ConnectSandbox }, { parseFormsConfig }, { readFileSync }] = await Promise.all([
        import('./connect/connect-sandbox'),
        import('../lambdas/shared/session/forms-config'),
        import('node:fs'),
      ]);
      const { forms } = parseFormsConfig(JSON.parse(readFileSync(process.env.FORMS_FILE ?? '', 'utf8')));
      sandbox.connect = await ConnectSandbox.start({ forms, timingScale: scriptedScale });
    }
    return sandbox;
  }

  /** A caller dials in and is bridged to the sandbox agent (at the emulator's timing unless `options` say). */
  public placeCall(caller: KeySource, options: PlaceCallOptions = {}): Promise<EmulatedCall> {
    return this.emulator.placeCall(caller, undefined, undefined, {}, options);
  }

  /** The agent asks for a secure session on a call, through the real Step Functions client. */
  public async requestSession(call: EmulatedCall, ask: SessionAsk, sessionId: string = randomUUID()): Promise<{ sessionId: string; executionArn: string }> {
    const [{ sfnClient }, { startSecureSession }] = await sessionStarter();
    const request: SessionRequest = {
      sessionId,
      callTransactionId: call.transactionId,
      agentId: ask.agentId ?? 'agent-sandbox',
      formId: ask.formId,
      fields: ask.fields,
      parties: ask.parties ?? 2,
    };
    const executionArn = await startSecureSession(await sfnClient(), this.sfn.stateMachineArn, request);
    return { sessionId, executionArn };
  }

  /** Waits for a session's workflow to finish and says how it ended. */
  public async sessionOutcome(
    executionArn: string,
    timeoutMs = 120_000,
  ): Promise<Omit<CallResult, 'call' | 'executionArn' | 'sessionId'> & { sessionId?: string }> {
    const done = await this.sfn.waitForExecution(executionArn, timeoutMs);
    if (done.status !== 'SUCCEEDED' || !done.output)
      return { outcome: 'failed', details: `the workflow ended ${done.status.toLowerCase()}${done.error ? ` (${done.error})` : ''}` };
    const out = JSON.parse(done.output) as SessionOutcome;
    return {
      sessionId: out.sessionId,
      outcome: out.status,
      details: out.details,
      ...(out.transactionId ? { transactionId: out.transactionId } : {}),
      ...(out.last4 ? { last4: out.last4 } : {}),
      ...(out.resultLine ? { resultLine: out.resultLine } : {}),
      ...(out.error ? { error: out.error } : {}),
    };
  }

  /** Every AWS request the sandbox served, per service operation. */
  public requestCounts(): Record<string, number> {
    return {
      ...this.kms.counts(),
      ...this.dynamo.counts(),
      ...this.s3.counts(),
      ...this.sfn.counts(),
      ...this.voice.counts(),
      ...(this.connect?.counts() ?? {}),
    };
  }

  public resetCounts(): void {
    for (const engine of [this.kms, this.dynamo, this.s3, this.sfn, this.voice]) engine.resetCounts();
    this.connect?.resetCounts();
    this.stageTimings.length = 0;
  }

  /** Makes the Validate stage read its settings (VALIDATION_URL, CA, …) from the environment again. */
  public async restartValidator(): Promise<void> {
    if (!this.validators) return;
    const previous = this.validators.current;
    this.validators.current = createValidateHandler();
    await previous.close();
  }

  public async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await this.validators?.current.close();
    for (const call of this.emulator.activeCalls()) await call.hangUpCaller().catch(() => undefined);
    await this.connect?.close();
    await this.recorder?.flush();
    await Promise.allSettled([this.voice.close(), this.sfn.close(), this.validation?.close()]);
    // Storage last: a stage function still finishing its writes when the workflow stopped gets to finish them.
    await Promise.allSettled([this.s3.close(), this.dynamo.close(), this.kms.close()]);
    this.logs?.stop();
  }
}

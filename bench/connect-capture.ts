/**
 * The Connect capture function per field: decrypt the stored input (Encryption SDK, raw RSA keyring,
 * 4096-bit key as deployed), check it with the shared rules and seal it into the vault through the real
 * AWS SDK clients against the sandbox's local KMS and DynamoDB engines (loopback, so their time is in the
 * figure). p50/p99 in-process over three runs; the three Connect functions' bundle sizes and the capture
 * function's cold module init; and the AWS requests our Connect functions add to one session.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startDynamo } from '../sandbox/engines/dynamodb';
import { startKms } from '../sandbox/engines/kms';
import { sealField } from '../lambdas/shared/vault';
import { ConnectSession, type ConnectSessionDeps } from '../lambdas/telephony/connect/connect-session';
import { decodeCaptureState, type ConnectCaptureState } from '../lambdas/telephony/connect/capture-state';
import { generateFlowKeyMaterial } from '../lambdas/telephony/connect/flow-key-material';
import { decryptStoredInput, parseFlowKeys } from '../lambdas/telephony/connect/stored-input';
import type { SessionRecord } from '../lambdas/shared/session/session-store';
import { encryptAsConnect } from '../test/helpers/connect-crypto';
import { bundleLambda } from './lambda-bundles';
import { PRICES_USD } from './cost-model';

const credentials = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };
const FIELDS_PER_RUN = 150;
const RUNS = 3;
const PAN = '4111111111111111';

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

export interface ConnectCaptureBench {
  perField: Array<{ run: number; p50Ms: number; p99Ms: number; decryptP50Ms: number }>;
  bundles: Array<{ name: string; bytes: number }>;
  captureInitMs: number;
  bareInitMs: number;
  requestsPerSession: Record<string, number>;
  ourCostPerSessionUsd: number;
}

/** Counts each port call as the AWS request the live wiring makes for it (runtime.ts). */
function countingDeps(base: ConnectSessionDeps, counts: Record<string, number>): ConnectSessionDeps {
  const add = (op: string, n = 1): void => void (counts[op] = (counts[op] ?? 0) + n);
  return {
    ...base,
    sealField: (...args) => {
      if (args[3] === undefined) add('dynamodb:GetItem');
      add('kms:GenerateDataKey');
      add('dynamodb:UpdateItem');
      return base.sealField(...args);
    },
    completeCapture: (...args) => (add('dynamodb:UpdateItem'), add('states:SendTaskSuccess'), base.completeCapture(...args)),
    failCapture: (...args) => (add('dynamodb:UpdateItem'), add('states:SendTaskFailure'), base.failCapture(...args)),
    recordProgress: (...args) => (add('dynamodb:UpdateItem'), base.recordProgress(...args)),
    takePendingRequest: (...args) => (add('dynamodb:DeleteItem'), base.takePendingRequest(...args)),
    startSession: (...args) => (add('states:StartExecution'), base.startSession(...args)),
    executionEnded: (...args) => (add('states:DescribeExecution'), base.executionEnded(...args)),
    getSession: (...args) => (add('dynamodb:GetItem'), base.getSession(...args)),
  };
}

export async function benchConnectCapture(): Promise<ConnectCaptureBench> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const material = await generateFlowKeyMaterial({ now: new Date(), validDays: 365, modulusBits: 4096 });
  const keys = parseFlowKeys(
    JSON.stringify({ keys: [{ keyId: 'bench-key', privateKeyPem: material.privateKeyPem, certificatePem: material.certificatePem }] }),
  );
  const kmsEngine = await startKms();
  const dynamoEngine = await startDynamo({ tables: [{ name: 'CardVault', partitionKey: 'sessionId' }] });
  const kms = new KMSClient({ endpoint: kmsEngine.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamoEngine.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const vaultDeps = { kms, ddb, tableName: 'CardVault', keyArn: 'arn:aws:kms:us-east-1:000000000000:key/sandbox-vault', now: () => new Date() };
  const sessions = new Map<string, SessionRecord>();
  const ivr = { language: 'en-US', voice: 'Joanna', engine: 'neural' as const, attempts: 3, fieldTimeoutSeconds: 20, interDigitSeconds: 5 };
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const deps: ConnectSessionDeps = {
    now: () => new Date(),
    log: quiet,
    sealField: (sessionId, field, digits, expected) => sealField(vaultDeps, sessionId, field, digits, 900, expected),
    completeCapture: async () => true,
    callHungUp: async () => false,
    failCapture: async () => true,
    recordProgress: async () => undefined,
    emit: async () => undefined,
    takePendingRequest: async (callId) => ({ sessionId: `s-${callId}`, callTransactionId: callId, agentId: 'a', formId: 'card-payment', fields: {} }),
    callOwner: async () => 'a',
    takeReentryRequest: async () => undefined,
    flowKeyExpired: async () => false,
    startSession: async (request) => {
      sessions.set(request.sessionId, {
        sessionId: request.sessionId,
        callTransactionId: request.callTransactionId,
        agentId: 'a',
        formId: 'card-payment',
        status: 'separating',
        createdAt: '',
        updatedAt: '',
        transactionId: 'SIV-1',
      });
      return 'arn';
    },
    executionEnded: async () => ({ ended: false }),
    getSession: async (id) => sessions.get(id),
    formIvr: async () => ivr,
    decrypt: (stored) => decryptStoredInput(stored, keys, new Date()),
    sleep: async () => undefined,
    defaultLanguage: 'en-US',
  };

  const perField: ConnectCaptureBench['perField'] = [];
  try {
    for (let run = 1; run <= RUNS; run += 1) {
      const ciphertexts = await Promise.all(Array.from({ length: FIELDS_PER_RUN }, () => encryptAsConnect(PAN, 'bench-key', material.certificatePem)));
      const session = new ConnectSession(deps);
      const times: number[] = [];
      const decryptTimes: number[] = [];
      for (let i = 0; i < FIELDS_PER_RUN; i += 1) {
        const sessionId = `bench-${run}-${i}`;
        sessions.set(sessionId, {
          sessionId,
          callTransactionId: `c-${i}`,
          agentId: 'a',
          formId: 'card-payment',
          status: 'capturing',
          createdAt: '',
          updatedAt: '',
        });
        const state: ConnectCaptureState = { sessionId, ivr, field: 'pan', tries: 0 };
        const d0 = performance.now();
        await decryptStoredInput(ciphertexts[i] as string, keys, new Date());
        decryptTimes.push(performance.now() - d0);
        const t0 = performance.now();
        const answer = await session.onField(state, 'pan', ciphertexts[i]);
        times.push(performance.now() - t0);
        if (answer.result !== 'valid') throw new Error('the benchmark field was not accepted');
      }
      times.sort((a, b) => a - b);
      decryptTimes.sort((a, b) => a - b);
      perField.push({ run, p50Ms: pct(times, 50), p99Ms: pct(times, 99), decryptP50Ms: pct(decryptTimes, 50) });
    }

    // One whole session's requests from our Connect functions (claim → three fields → one status round).
    const counts: Record<string, number> = {};
    const counted = new ConnectSession(countingDeps(deps, counts));
    const claim = await counted.claim('connect:count-call', 'VOICE');
    let state = decodeCaptureState((await counted.onRecordingSuspended(decodeCaptureState(claim.state))).state);
    for (const [field, digits] of [
      ['pan', PAN],
      ['exp', '1230'],
      ['cvv', '737'],
    ] as const) {
      const answer = await counted.onField(state, field, await encryptAsConnect(digits, 'bench-key', material.certificatePem));
      state = decodeCaptureState(answer.state);
    }
    (sessions.get('s-connect:count-call') as SessionRecord).status = 'accepted';
    await counted.status(state);
    counts['secretsmanager:GetSecretValue (cold container only)'] = 2;

    // Bundles and cold init.
    // Inside the repository, so the bundles resolve the AWS SDK (external, as on Lambda) from node_modules.
    const outDir = mkdtempSync(join(__dirname, '..', 'node_modules', '.connect-bench-'));
    const bundles: ConnectCaptureBench['bundles'] = [];
    for (const name of ['claim', 'capture', 'status']) {
      const file = await bundleLambda(`lambdas/telephony/connect/${name}-handler.ts`, outDir, `connect-${name}`);
      bundles.push({ name: `connect-${name}`, bytes: statSync(file).size });
    }
    const init = (script: string): number => {
      const runs: number[] = [];
      for (let i = 0; i < 7; i += 1) {
        const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
          encoding: 'utf8',
          env: {
            ...process.env,
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            SESSION_TABLE: 't',
            VAULT_TABLE: 'v',
            VAULT_KEY_ARN: 'k',
            FLOW_KEY_SECRET_ARN: 's',
          },
        });
        runs.push(r.status === 0 && (r.stdout ?? '').trim() !== '' ? Number(r.stdout.trim()) : NaN);
      }
      runs.sort((a, b) => a - b);
      if (runs.some((r) => !Number.isFinite(r))) throw new Error('cold init measurement failed');
      return runs[3] ?? NaN;
    };
    const captureInitMs = init(
      `const t=performance.now(); await import(${JSON.stringify(join(outDir, 'connect-capture.mjs'))}); console.log(performance.now()-t)`,
    );
    const bareInitMs = init('const t=performance.now(); console.log(performance.now()-t)');
    rmSync(outDir, { recursive: true, force: true });

    // Our functions' own cost: 1 claim + 2 capture calls around recording + 3 fields + 1 status = 7 invocations at 512 MB.
    const invocations = 7;
    const billedMs = perField.reduce((n, r) => n + r.p50Ms, 0) / RUNS;
    const gbSeconds = invocations * 0.5 * (Math.max(billedMs, 10) / 1000);
    const dynamo = Object.entries(counts).filter(([op]) => op.startsWith('dynamodb:'));
    const writes = dynamo.filter(([op]) => !op.endsWith('GetItem')).reduce((n, [, c]) => n + c, 0);
    const reads = dynamo.filter(([op]) => op.endsWith('GetItem')).reduce((n, [, c]) => n + c, 0);
    const ourCostPerSessionUsd =
      invocations * PRICES_USD.lambdaRequest +
      gbSeconds * PRICES_USD.lambdaGbSecondArm +
      (counts['kms:GenerateDataKey'] ?? 0) * PRICES_USD.kmsRequest +
      writes * PRICES_USD.dynamoWrite +
      reads * PRICES_USD.dynamoRead;
    return { perField, bundles, captureInitMs, bareInitMs, requestsPerSession: counts, ourCostPerSessionUsd };
  } finally {
    kms.destroy();
    ddb.destroy();
    await kmsEngine.close();
    await dynamoEngine.close();
  }
}

if (require.main === module) {
  benchConnectCapture().then((r) => {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    setTimeout(() => process.exit(0), 50).unref();
  });
}

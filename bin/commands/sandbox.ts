/**
 * `secure-ivr sandbox` (what `npm start` runs): starts the local sandbox, serves its API, prints what
 * it serves and where it keeps its data, and runs until interrupted.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GATEWAY_KINDS, type GatewayKind } from '../../lambdas/validation-service/gateways/env';
import { parseArgs, one, UsageError } from './args';

export const SANDBOX_USAGE = `Usage: secure-ivr sandbox [--port N] [--data-dir DIR] [--validation-url URL | --gateway G] [--timing-scale N] [--telephony chime|connect]

  --port N          the sandbox API port on 127.0.0.1 (default 8780; 0 picks a free one)
  --data-dir DIR    where all state lives: DynamoDB, S3, KMS keys, logs (default ./.sandbox)
  --validation-url  validate against another web service instead of the built-in one
  --gateway G       the built-in service's gateway: test (default: documented test cards), or
                    stripe, adyen, braintree, generic: that connector and SDK against a local fake of
                    the gateway's API (test mode: use the gateway's own test cards, see the README)
  --timing-scale N  timing of calls placed on the keypad page: 1 is real time, prompts and key
                    time-outs as on a phone (default 1); 0 runs them instantly. Scripted calls
                    (secure-ivr call) always run instantly
  --telephony T     chime: the SIP media application emulator (default); connect: the Amazon Connect
                    flow emulator running the stack's secure-input flow (agent on hold, quick connect)`;

/** Parses --timing-scale: a number from 0 to 10. */
export function parseTimingScale(raw: string | undefined): number {
  if (raw === undefined) return 1;
  const scale = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(scale) || scale < 0 || scale > 10)
    throw new UsageError('--timing-scale must be a number from 0 (instant) to 10 (1 is real time)');
  return scale;
}

export async function runSandboxCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let port: number;
  let dataDir: string;
  let validationUrl: string | undefined;
  let interactiveTimingScale: number;
  let telephony: 'chime' | 'connect';
  let gateway: GatewayKind;
  try {
    const args = parseArgs(argv, {
      port: { value: true },
      'data-dir': { value: true },
      'validation-url': { value: true },
      'timing-scale': { value: true },
      telephony: { value: true },
      gateway: { value: true },
      help: {},
    });
    if (args.flags.has('help')) {
      out.write(`${SANDBOX_USAGE}\n`);
      return 0;
    }
    port = Number(one(args, 'port') ?? process.env.SECURE_IVR_PORT ?? '8780');
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a port number');
    dataDir = resolve(one(args, 'data-dir') ?? '.sandbox');
    validationUrl = one(args, 'validation-url');
    interactiveTimingScale = parseTimingScale(one(args, 'timing-scale'));
    const chosen = one(args, 'telephony') ?? 'chime';
    if (chosen !== 'chime' && chosen !== 'connect') throw new UsageError('--telephony must be chime or connect');
    telephony = chosen;
    const gatewayRaw = (one(args, 'gateway') ?? 'test').toLowerCase();
    const found = GATEWAY_KINDS.find((kind) => kind === gatewayRaw);
    if (found === undefined) throw new UsageError(`--gateway must be one of ${GATEWAY_KINDS.join(', ')}`);
    gateway = found;
    if (gateway !== 'test' && validationUrl) throw new UsageError('--gateway runs inside the built-in service: leave out --validation-url');
  } catch (e) {
    err.write(`secure-ivr sandbox: ${e instanceof Error ? e.message : 'bad usage'}\n${SANDBOX_USAGE}\n`);
    return 2;
  }
  const [{ Sandbox }, { startApiServer }, discovery] = await Promise.all([
    import('../../sandbox/sandbox'),
    import('../../sandbox/api-server'),
    import('../../sandbox/discovery'),
  ]);
  const running = discovery.findRunningSandbox(dataDir);
  if (running) {
    err.write(`secure-ivr sandbox: a sandbox (pid ${running.pid}) already uses ${dataDir} at ${running.apiUrl}\n`);
    return 1;
  }
  const sandbox = await Sandbox.start({
    storageInChildProcesses: true,
    dataDir,
    interactiveTimingScale,
    telephony,
    ...(validationUrl ? { validationUrl } : {}),
    gateway,
  });
  let api;
  try {
    api = await startApiServer(sandbox, port);
  } catch (e) {
    await sandbox.close();
    err.write(`secure-ivr sandbox: cannot listen on port ${port} (${e instanceof Error ? e.message : 'error'}); choose another with --port\n`);
    return 1;
  }
  // check-validator needs the reference service's CA (made at start): it goes beside the data, not in memory only.
  const caFile = join(dataDir, 'validation-ca.pem');
  if (sandbox.validation && process.env.VALIDATION_CA_PEM) writeFileSync(caFile, process.env.VALIDATION_CA_PEM, { mode: 0o644 });
  discovery.writeSandboxInfo(dataDir, {
    pid: process.pid,
    apiUrl: api.url,
    startedAt: new Date().toISOString(),
    validationUrl: sandbox.validationUrl,
    telephony,
    dynamodbEndpoint: sandbox.dynamo.endpoint,
  });
  out.write(
    [
      'secure-ivr sandbox is running',
      `  API                 ${api.url}  (GET /health, POST /calls, GET /sessions/:id, agent API /api/*)`,
      `  agent console       ${api.consoleUrl}  (sign in as alice; embeddable as an iframe)`,
      `  caller keypad       ${api.keypadUrl}  (play the caller in a second window; timing scale ${interactiveTimingScale})`,
      `  validation service  ${sandbox.validationUrl}${sandbox.validation ? `  (reference service, ${gateway === 'test' ? 'test gateway' : `${gateway} connector against a local ${gateway} fake`}, self-signed certificate made at start)` : ''}`,
      ...(sandbox.validation ? [`  validation CA       ${caFile}  (npx secure-ivr check-validator ${sandbox.validationUrl} --ca ${caFile})`] : []),
      `  Step Functions      ${sandbox.sfn.endpoint}  (${sandbox.sfn.stateMachineArn})`,
      `  DynamoDB            ${sandbox.dynamo.endpoint}`,
      `  KMS                 ${sandbox.kms.endpoint}`,
      `  S3                  ${sandbox.s3.endpoint}`,
      `  Chime SDK Voice     ${sandbox.voice.endpoint}`,
      ...(sandbox.connect
        ? [
            `  Amazon Connect      flow emulator, instance ${sandbox.connect.emulator.instanceArn}`,
            `  Secrets Manager     ${sandbox.connect.secrets.endpoint}  (flow key ${sandbox.connect.securityKey.keyId}, made at start)`,
          ]
        : []),
      `  data                ${dataDir}`,
      `  logs                ${sandbox.logDir}`,
      ...(sandbox.recovery.sessionsAborted + sandbox.recovery.vaultItemsDestroyed > 0
        ? [
            `  previous run        stopped mid-call: ${sandbox.recovery.sessionsAborted} open session(s) closed as aborted, ${sandbox.recovery.vaultItemsDestroyed} vault item(s) destroyed`,
          ]
        : []),
      '',
      `Try:  npx secure-ivr call --keys "4111111111111111#1230#737#"${sandbox.connect ? ' --telephony connect' : ''}`,
      'Stop: Ctrl+C',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolveStop) => {
    const stop = (): void => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  out.write('stopping the sandbox…\n');
  discovery.removeSandboxInfo(dataDir);
  await api.close();
  await sandbox.close();
  return 0;
}

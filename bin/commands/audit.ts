/**
 * `secure-ivr audit pull|verify`: the compliance view of the audit trail.
 *   pull    the events of a time window (optionally one session or one agent's sessions) as JSON lines
 *           (the stored records, re-verifiable) or CSV, in chain order
 *   verify  recomputes every chain that has events in the window and reports gaps, reorderings,
 *           altered records and overwritten keys (more than one object version) with their stream,
 *           position and key; outcome records edited, removed or added (each is bound to its session's
 *           final event) and finished sessions whose final events were removed; with the chain-head
 *           table (deployed, or the sandbox's local DynamoDB), removed tails and sessions whose objects are all gone
 * Exit: 0 clean; 1 findings or failure; 2 bad usage.
 */
import { parseArgs, one, UsageError, type ParsedArgs } from './args';
import { openSource, progressReporter, SOURCE_OPTIONS, SOURCE_USAGE } from './audit-source';

export const AUDIT_USAGE = `Usage: secure-ivr audit pull   --from TIME --to TIME [--session ID] [--agent ID] [--format jsonl|csv] [source]
       secure-ivr audit verify [--from TIME --to TIME] [--chain-table NAME] [--digest-key KEY [--digests-since HOUR]] [--json] [source]

  --from, --to      UTC window: YYYY-MM-DD (to is inclusive) or ISO 8601 time; verify defaults to the last 400 days
  --session ID      only this session's events
  --agent ID        only the sessions this agent requested
  --format          jsonl (default: the stored records, hashes included) or csv
  --chain-table     the chain-head table: also detects a removed tail or a whole removed session (needs dynamodb:Scan);
                    with the sandbox (no --bucket) its local DynamoDB is read: the running sandbox's, or its data's
  --digest-key KEY  the digest signing key (ARN or alias): also checks the signed hourly digests — signatures,
                    the digest chain, and sessions removed, rewritten, back-dated or covered by no digest
                    (needs kms:GetPublicKey; the public key then verifies offline)
  --digests-since   the first hour (YYYY-MM-DDTHH, UTC) a digest is due for (default: the window's start)
  --json            verify prints one JSON report
  --quiet           no progress on stderr
source:
${SOURCE_USAGE}`;

const OPTIONS = {
  ...SOURCE_OPTIONS,
  from: { value: true },
  to: { value: true },
  session: { value: true },
  agent: { value: true },
  format: { value: true },
  'chain-table': { value: true },
  'digest-key': { value: true },
  'digests-since': { value: true },
  json: {},
  quiet: {},
  help: {},
} as const;

async function window(args: ParsedArgs, required: boolean): Promise<{ from: Date; to: Date }> {
  const { parseWindow } = await import('../../lambdas/audit/finance-api');
  const from = one(args, 'from');
  const to = one(args, 'to');
  if (required && (from === undefined || to === undefined)) throw new UsageError('--from and --to are required');
  const now = new Date();
  const parsed = parseWindow(from ?? new Date(now.getTime() - 400 * 24 * 3600 * 1000).toISOString(), to, now);
  if ('problem' in parsed) throw new UsageError(parsed.problem.replace(/^(from|to) /, '--$1 '));
  return parsed;
}

export async function runAuditCommand(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let args: ParsedArgs;
  let sub: string | undefined;
  try {
    args = parseArgs(argv, OPTIONS);
    if (args.flags.has('help')) {
      out.write(`${AUDIT_USAGE}\n`);
      return 0;
    }
    [sub] = args.positional;
    if (sub !== 'pull' && sub !== 'verify') throw new UsageError('say audit pull or audit verify');
    if (args.positional.length > 1) throw new UsageError(`unexpected argument ${args.positional[1]}`);
    const format = one(args, 'format') ?? 'jsonl';
    if (format !== 'jsonl' && format !== 'csv') throw new UsageError('--format must be jsonl or csv');
  } catch (e) {
    err.write(`secure-ivr audit: ${e instanceof Error ? e.message : 'bad usage'}\n${AUDIT_USAGE}\n`);
    return 2;
  }
  let opened: Awaited<ReturnType<typeof openSource>> | undefined;
  try {
    const win = await window(args, sub === 'pull');
    opened = await openSource(args);
    const progress = progressReporter(err, sub === 'pull' ? 'pulling records' : 'verifying records', args.flags.has('quiet'));
    return sub === 'pull' ? await pull(args, win, opened, out, progress) : await verify(args, win, opened, out, progress);
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`secure-ivr audit: ${e.message}\n${AUDIT_USAGE}\n`);
      return 2;
    }
    err.write(
      `secure-ivr audit: the audit trail could not be read (${e instanceof Error ? e.name : 'UnknownError'}); check the bucket name, region and credentials\n`,
    );
    return 1;
  } finally {
    await opened?.close();
  }
}

type Opened = Awaited<ReturnType<typeof openSource>>;

async function pull(
  args: ParsedArgs,
  win: { from: Date; to: Date },
  opened: Opened,
  out: NodeJS.WritableStream,
  progress: (d: number, t: number) => void,
): Promise<number> {
  const { pullRecords, auditCsvRow, AUDIT_CSV_COLUMNS } = await import('../../lambdas/audit/audit-reader');
  const session = one(args, 'session');
  const agent = one(args, 'agent');
  const records = await pullRecords(opened.source, { ...win, ...(session ? { sessionId: session } : {}), ...(agent ? { agentId: agent } : {}) }, progress);
  if ((one(args, 'format') ?? 'jsonl') === 'csv') {
    out.write(`${AUDIT_CSV_COLUMNS.join(',')}\r\n`);
    for (const r of records) out.write(`${auditCsvRow(r)}\r\n`);
  } else {
    for (const r of records) out.write(`${JSON.stringify(r)}\n`);
  }
  return 0;
}

/** Every chain head of the window's days (a day earlier too, like the objects): to catch removed tails and sessions. */
async function chainHeads(table: string, win: { from: Date; to: Date }, args: ParsedArgs, opened: Opened): Promise<Map<string, { seq: number; hash: string }>> {
  const [{ DynamoDBDocumentClient }, { listChainHeads }] = await Promise.all([import('@aws-sdk/lib-dynamodb'), import('../../lambdas/audit/audit-writer')]);
  const dynamo = opened.sandbox ? await sandboxDynamo(args) : await deployedDynamo(one(args, 'region'));
  const ddb = DynamoDBDocumentClient.from(dynamo.client);
  try {
    const fromDay = new Date(win.from.getTime() - 24 * 3600 * 1000).toISOString().slice(0, 10);
    const heads = await listChainHeads(ddb, table, fromDay, win.to.toISOString().slice(0, 10));
    return new Map([...heads].map(([stream, h]) => [stream, { seq: h.seq, hash: h.hash }]));
  } catch (e) {
    if (e instanceof Error && e.name === 'ResourceNotFoundException')
      throw new UsageError(`there is no chain-head table ${table}${opened.sandbox ? ' in the sandbox (its table is AuditChainTable)' : ''}`);
    throw e;
  } finally {
    ddb.destroy();
    await dynamo.close();
  }
}

type DynamoClient = import('@aws-sdk/client-dynamodb').DynamoDBClient;

/** The deployed table, with the caller's credentials (AWS_ENDPOINT_URL_DYNAMODB still overrides the endpoint). */
async function deployedDynamo(region: string | undefined): Promise<{ client: DynamoClient; close(): Promise<void> }> {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  return { client: new DynamoDBClient({ ...(region ? { region } : {}) }), close: async () => undefined };
}

/**
 * The sandbox's DynamoDB: the running sandbox's own engine (it holds the data directory's lock, and says
 * where it listens in sandbox.json), or, when none runs, a private engine over its data for this command.
 */
async function sandboxDynamo(args: ParsedArgs): Promise<{ client: DynamoClient; close(): Promise<void> }> {
  const [{ join, resolve }, { existsSync }, { DynamoDBClient }, { findRunningSandbox }] = await Promise.all([
    import('node:path'),
    import('node:fs'),
    import('@aws-sdk/client-dynamodb'),
    import('../../sandbox/discovery'),
  ]);
  const dataDir = resolve(one(args, 'data-dir') ?? '.sandbox');
  const local = (endpoint: string): DynamoClient =>
    new DynamoDBClient({ region: 'us-east-1', endpoint, credentials: { accessKeyId: 'sandbox-reader', secretAccessKey: 'sandbox-reader' } });
  const running = findRunningSandbox(dataDir);
  if (running?.dynamodbEndpoint) return { client: local(running.dynamodbEndpoint), close: async () => undefined };
  if (running) throw new UsageError(`the sandbox running on ${dataDir} (pid ${running.pid}) does not say where its DynamoDB listens; restart it and try again`);
  const store = join(dataDir, 'dynamodb');
  if (!existsSync(store)) throw new UsageError(`the sandbox in ${dataDir} has no DynamoDB data; run npm start first`);
  const { startDynamo } = await import('../../sandbox/engines/dynamodb');
  const engine = await startDynamo({ dataDir: store, tables: [] });
  const client = local(engine.endpoint);
  return {
    client,
    close: async () => {
      client.destroy();
      await engine.close();
    },
  };
}

/** The digest key's public half (DER), fetched once with the caller's credentials. */
async function digestPublicKey(keyId: string, region: string | undefined): Promise<Uint8Array> {
  const { KMSClient, GetPublicKeyCommand } = await import('@aws-sdk/client-kms');
  // AWS_ENDPOINT_URL_KMS reaches a local KMS (the sandbox's) with the same code.
  const kms = new KMSClient({ ...(region ? { region } : {}) });
  try {
    const out = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    if (!out.PublicKey) throw new UsageError('the digest key has no public key; is it the SIGN_VERIFY digest key?');
    return out.PublicKey;
  } finally {
    kms.destroy();
  }
}

/** The sandbox's digest key, read from its data directory by a private local KMS for this command. */
async function sandboxDigestPublicKey(keyId: string, args: ParsedArgs): Promise<Uint8Array> {
  const [{ join, resolve }, { startKms }, { KMSClient, GetPublicKeyCommand }] = await Promise.all([
    import('node:path'),
    import('../../sandbox/engines/kms'),
    import('@aws-sdk/client-kms'),
  ]);
  const engine = await startKms({ dataDir: join(resolve(one(args, 'data-dir') ?? '.sandbox'), 'kms'), keys: [] });
  const kms = new KMSClient({
    region: 'us-east-1',
    endpoint: engine.endpoint,
    credentials: { accessKeyId: 'sandbox-reader', secretAccessKey: 'sandbox-reader' },
  });
  try {
    const out = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    if (!out.PublicKey) throw new UsageError('the digest key has no public key; is it the SIGN_VERIFY digest key?');
    return out.PublicKey;
  } catch (e) {
    if (e instanceof Error && e.name === 'NotFoundException') throw new UsageError('the sandbox has no such digest key (it is alias/secure-ivr-audit-digest)');
    throw e;
  } finally {
    kms.destroy();
    await engine.close();
  }
}

async function verify(
  args: ParsedArgs,
  win: { from: Date; to: Date },
  opened: Opened,
  out: NodeJS.WritableStream,
  progress: (d: number, t: number) => void,
): Promise<number> {
  const { verifyWindow } = await import('../../lambdas/audit/audit-reader');
  const now = new Date();
  const table = one(args, 'chain-table');
  const heads = table ? await chainHeads(table, win, args, opened) : undefined;
  const report = await verifyWindow(opened.source, win, { now, progress, ...(heads ? { heads } : {}) });
  const digestKey = one(args, 'digest-key');
  let digests: { digests: number; coveredStreams: number } | undefined;
  if (digestKey) {
    const since = one(args, 'digests-since');
    const [{ verifyDigestWindow }, { isHour, publicKeyFromDer }] = await Promise.all([
      import('../../lambdas/audit/audit-reader'),
      import('../../lambdas/audit/digest-chain'),
    ]);
    if (since !== undefined && !isHour(since)) throw new UsageError('--digests-since must be YYYY-MM-DDTHH (UTC)');
    const publicKey = publicKeyFromDer(opened.sandbox ? await sandboxDigestPublicKey(digestKey, args) : await digestPublicKey(digestKey, one(args, 'region')));
    const checked = await verifyDigestWindow(opened.source, win, { publicKey, now, ...(since ? { fromHour: since } : {}) });
    report.findings.push(...checked.findings);
    digests = { digests: checked.digests, coveredStreams: checked.coveredStreams };
  }
  if (args.flags.has('json')) {
    out.write(
      `${JSON.stringify({ source: opened.where, from: win.from.toISOString(), to: win.to.toISOString(), ...report, ...(digests ? { digests } : {}) })}\n`,
    );
  } else {
    for (const f of report.findings) out.write(`${f.kind.toUpperCase()}  session ${f.stream}  #${f.seq}  ${f.key}  ${f.message}\n`);
    const open = report.streams.filter((s) => !s.complete).length;
    out.write(
      `${report.findings.length === 0 ? 'OK' : 'FAILED'}: ${report.records} records in ${report.streams.length} session chains from ${opened.where}` +
        `${open > 0 ? ` (${open} still open)` : ''}` +
        `${digests ? `; ${digests.digests} signed digests, ${digests.coveredStreams} sessions covered` : '; digests not checked (pass --digest-key)'}` +
        `; ${report.findings.length} problem${report.findings.length === 1 ? '' : 's'}\n`,
    );
  }
  return report.findings.length === 0 ? 0 : 1;
}

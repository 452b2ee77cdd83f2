/**
 * `secure-ivr audit verify --chain-table` against the sandbox, through the real CLI in its own process:
 * with a sandbox running (its DynamoDB engine holds the data directory's lock, so the CLI reads the chain
 * heads from the running engine it finds in sandbox.json), and again after it stopped (the CLI opens the
 * data itself). The trail comes from whole calls (the real End stage binds each outcome record to its
 * chain); then an outcome amount is edited and one session's final batch and record are removed, which
 * only the chain head can reveal.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { AUDIT_BUCKET, AUDIT_CHAIN_TABLE, Sandbox } from '../../sandbox/sandbox';
import { ScriptedCaller } from '../../sandbox/sma/caller';
import { removeSandboxInfo, writeSandboxInfo } from '../../sandbox/discovery';
import { s3Client } from '../../lambdas/shared/clients';
import { outcomeKey } from '../../lambdas/audit/audit-layout';
import type { Finding } from '../../lambdas/audit/hash-chain';

// bin/secure-ivr.js re-executes Node with these flags and then runs cli.ts; this machine's Node may be older
// than the launcher's version gate, so the test starts that same child directly.
const CLI = join(__dirname, '..', '..', 'bin', 'cli.ts');
const NODE_FLAGS = ['--openssl-legacy-provider', '--import', pathToFileURL(require.resolve('tsx')).href];
const FIELDS = { 'customer name': 'Joe Smith', 'customer account': '343453422', 'charge amount': '14.55', currency: 'USD' };

let dataDir: string;
let sandbox: Sandbox | undefined;
const sessions: Record<string, { sessionId: string; day: string }> = {};

/** Runs the CLI as a user would, without the sandbox's endpoint variables this test process holds. */
function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && k !== 'SECURE_IVR_CLI_CHILD') env[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, CLI, ...args], { env: { ...env, SECURE_IVR_CLI_CHILD: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() }));
  });
}

async function verify(chainTable: boolean): Promise<{ code: number; findings: Finding[]; err: string }> {
  const { code, out, err } = await cli([
    'audit',
    'verify',
    '--data-dir',
    dataDir,
    '--json',
    '--quiet',
    ...(chainTable ? ['--chain-table', AUDIT_CHAIN_TABLE] : []),
  ]);
  let findings: Finding[] = [];
  try {
    findings = (JSON.parse(out) as { findings: Finding[] }).findings;
  } catch {
    throw new Error(`audit verify printed no JSON report (exit ${code}): ${err}`);
  }
  return { code, findings, err };
}

async function payment(label: string, card: string): Promise<void> {
  const s = sandbox as Sandbox;
  const call = await s.placeCall(new ScriptedCaller(`${card}#1230#737#`));
  await call.waitFor((c) => c.attributes.stage === 'bridged' && c.attributes.rec === 'on');
  const { sessionId, executionArn } = await s.requestSession(call, { formId: 'card-payment', fields: FIELDS });
  await s.sessionOutcome(executionArn);
  await call.waitFor((c) => c.status !== 'active' || c.attributes.stage === 'bridged').catch(() => undefined);
  if (call.status === 'active') await call.hangUpCaller();
  await call.ended();
  sessions[label] = { sessionId, day: new Date().toISOString().slice(0, 10) };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'audit-chain-table-'));
  sandbox = await Sandbox.start({ dataDir, storageInChildProcesses: true });
  await payment('accepted', '4111111111111111');
  await payment('declined', '4000000000000002');
  writeSandboxInfo(dataDir, {
    pid: process.pid,
    apiUrl: 'http://127.0.0.1:9',
    startedAt: new Date().toISOString(),
    validationUrl: sandbox.validationUrl,
    dynamodbEndpoint: sandbox.dynamo.endpoint,
  });
}, 300_000);

afterAll(async () => {
  removeSandboxInfo(dataDir);
  await sandbox?.close();
});

describe('secure-ivr audit verify --chain-table against the sandbox', () => {
  it('verifies the untouched trail of real calls, outcome records bound, reading the heads from the running sandbox', async () => {
    // Act
    const { code, findings, err } = await verify(true);
    // Assess
    expect(findings).toEqual([]);
    expect(err).not.toContain('secure-ivr audit:');
    expect(code).toBe(0);
  }, 120_000);

  it('names the session whose outcome amount was edited, and the one whose tail and record were removed (only the head shows that one)', async () => {
    // Prepare: an insider with the writer's rights edits the accepted amount and erases the declined session's end.
    const s3 = await s3Client();
    const accepted = sessions.accepted as { sessionId: string; day: string };
    const declined = sessions.declined as { sessionId: string; day: string };
    const recordKey = outcomeKey(accepted.day, accepted.sessionId);
    const text = (await (await s3.send(new GetObjectCommand({ Bucket: AUDIT_BUCKET, Key: recordKey }))).Body?.transformToString()) ?? '';
    expect(JSON.parse(text)).toMatchObject({ amount: '14.55', outcome: 'accepted' });
    await s3.send(new DeleteObjectCommand({ Bucket: AUDIT_BUCKET, Key: recordKey }));
    await s3.send(new PutObjectCommand({ Bucket: AUDIT_BUCKET, Key: recordKey, Body: text.replace('"14.55"', '"1455.00"'), IfNoneMatch: '*' }));
    const prefix = `events/day=${declined.day}/stream=${declined.sessionId}/`;
    const objects = await (sandbox as Sandbox).s3.listAllObjects();
    const last = objects
      .filter((o) => o.bucket === AUDIT_BUCKET && o.key.startsWith(prefix))
      .map((o) => o.key)
      .sort()
      .pop() as string;
    await s3.send(new DeleteObjectCommand({ Bucket: AUDIT_BUCKET, Key: last }));
    await s3.send(new DeleteObjectCommand({ Bucket: AUDIT_BUCKET, Key: outcomeKey(declined.day, declined.sessionId) }));
    // Act
    const withHeads = await verify(true);
    const without = await verify(false);
    // Assess
    const kinds = (findings: Finding[], sessionId: string) => findings.filter((f) => f.stream === sessionId).map((f) => f.kind);
    expect(kinds(withHeads.findings, accepted.sessionId)).toEqual(['outcome-altered']);
    expect(kinds(withHeads.findings, declined.sessionId)).toEqual(['truncated']);
    expect(withHeads.code).toBe(1);
    // Without the heads a chain ending mid-session looks like a call still running (for two hours).
    expect(kinds(without.findings, declined.sessionId)).toEqual([]);
    expect(kinds(without.findings, accepted.sessionId)).toEqual(['outcome-altered']);
  }, 180_000);

  it('reads the same heads from the sandbox’s data once it has stopped, and says so plainly when the table is wrong', async () => {
    // Prepare
    removeSandboxInfo(dataDir);
    await sandbox?.close();
    sandbox = undefined;
    // Act
    const stopped = await verify(true);
    const wrong = await cli(['audit', 'verify', '--data-dir', dataDir, '--quiet', '--chain-table', 'NoSuchTable']);
    // Assess
    expect(stopped.findings.map((f) => f.kind).sort()).toEqual(['outcome-altered', 'truncated']);
    expect(stopped.code).toBe(1);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('there is no chain-head table NoSuchTable in the sandbox (its table is AuditChainTable)');
  }, 180_000);
});

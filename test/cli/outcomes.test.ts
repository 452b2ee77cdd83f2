/** `secure-ivr outcomes` against a sandbox data directory: CSV and JSON, the window, and usage errors. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';
import { startS3, type S3Engine } from '../../sandbox/engines';
import { writeOutcomeRecord, type OutcomeRecord } from '../../lambdas/audit/outcomes';
import { runOutcomesCommand } from '../../bin/commands/outcomes';
import { SANDBOX_AUDIT_BUCKET } from '../../bin/commands/audit-source';

let dataDir: string;
let engine: S3Engine;

const record = (o: Partial<OutcomeRecord>): OutcomeRecord => ({
  v: 1,
  at: '2026-11-20T10:00:00.000Z',
  sessionId: 's',
  formId: 'card-payment',
  workgroup: 'payments',
  agentId: 'alice',
  amount: '14.55',
  currency: 'USD',
  brand: 'visa',
  last4: '1111',
  outcome: 'accepted',
  details: 'Approved',
  transactionId: 'SIV-1',
  ...o,
});

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const w = (to: string[]) => new Writable({ write: (c: Buffer, _e, done) => (to.push(c.toString()), done()) });
  const code = await runOutcomesCommand([...argv, '--data-dir', dataDir], w(out), w(err));
  return { code, out: out.join(''), err: err.join('') };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'outcomes-cli-'));
  engine = await startS3({ dataDir: join(dataDir, 's3'), buckets: [SANDBOX_AUDIT_BUCKET] });
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: engine.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  await writeOutcomeRecord(s3, SANDBOX_AUDIT_BUCKET, record({ sessionId: 's-1' }));
  await writeOutcomeRecord(
    s3,
    SANDBOX_AUDIT_BUCKET,
    record({
      sessionId: 's-2',
      at: '2026-11-20T11:00:00.000Z',
      outcome: 'declined',
      details: 'Declined - do not honour',
      transactionId: 'SIV-2',
      last4: '0002',
    }),
  );
  await writeOutcomeRecord(s3, SANDBOX_AUDIT_BUCKET, record({ sessionId: 's-3', at: '2026-11-25T09:00:00.000Z', transactionId: 'SIV-3' }));
  s3.destroy();
}, 30_000);

afterAll(async () => {
  await engine?.close();
});

describe('secure-ivr outcomes', () => {
  it('prints the window’s outcomes as CSV, oldest first', async () => {
    // Act
    const { code, out } = await run(['--from', '2026-11-20', '--to', '2026-11-21']);
    // Assess
    expect(code).toBe(0);
    expect(out.split('\r\n')).toEqual([
      'time,form,workgroup,agent,amount,currency,brand,last4,outcome,details,transactionId,sessionId,token,result,category',
      '2026-11-20T10:00:00.000Z,card-payment,payments,alice,14.55,USD,visa,1111,accepted,Approved,SIV-1,s-1,,accepted,accepted',
      '2026-11-20T11:00:00.000Z,card-payment,payments,alice,14.55,USD,visa,0002,declined,Declined - do not honour,SIV-2,s-2,,declined,gateway-declined',
      '',
    ]);
  });

  it('prints JSON with the summary a finance analyst reads', async () => {
    const { code, out } = await run(['--from', '2026-11-01', '--to', '2026-11-30', '--format', 'json']);
    const body = JSON.parse(out) as { summary: Record<string, unknown>; outcomes: unknown[] };
    expect(code).toBe(0);
    expect(body.outcomes).toHaveLength(3);
    expect(body.summary).toMatchObject({
      sessions: 3,
      accepted: 2,
      declined: 1,
      acceptedAmounts: { USD: '29.10' },
      declinesByReason: [{ reason: 'Declined - do not honour', count: 1 }],
    });
  });

  it('filters by form, workgroup and agent as the finance page does, and refuses a bad filter with exit 2', async () => {
    // Act
    const alice = await run(['--from', '2026-11-20', '--to', '2026-11-21', '--agent', 'alice', '--workgroup', 'payments', '--form', 'card-payment']);
    const bob = await run(['--from', '2026-11-20', '--to', '2026-11-21', '--agent', 'bob']);
    const bad = await run(['--from', '2026-11-20', '--to', '2026-11-21', '--form', 'a\tb']);
    // Assess
    expect(alice.code).toBe(0);
    expect(
      alice.out
        .trimEnd()
        .split('\r\n')
        .slice(1)
        .map((l) => l.split(',').at(-4)),
    ).toEqual(['s-1', 's-2']);
    expect(bob.code).toBe(0);
    expect(bob.out.trimEnd().split('\r\n')).toHaveLength(1);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--form must be 1 to 128 characters without control characters');
  });

  it('refuses an unknown format and a missing window with exit 2', async () => {
    expect((await run(['--from', '2026-11-01', '--to', '2026-11-02', '--format', 'xml'])).code).toBe(2);
    const missing = await run(['--from', '2026-11-01']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--from and --to are required');
  });
});

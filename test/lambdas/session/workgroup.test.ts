/**
 * The workgroup a session runs under: Begin resolves it from the configuration for the agent and form, puts it
 * on the SessionContext, and the finance outcome record written at the end carries it.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beginSession } from '../../../lambdas/session/begin/begin';
import { workgroupFor } from '../../../lambdas/shared/session/forms';
import { parseFormsConfig } from '../../../lambdas/shared/session/forms-config';
import type { SessionStoreDeps } from '../../../lambdas/shared/session/session-store';
import { readOutcomes } from '../../../lambdas/audit/outcomes';
import { s3ObjectSource } from '../../../lambdas/audit/audit-reader';
import { s3Client } from '../../../lambdas/shared/clients';
import { AUDIT_BUCKET, Sandbox } from '../../../sandbox/sandbox';
import { runScriptedCall } from '../../../sandbox/scripted-call';

const config = parseFormsConfig(JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'config', 'secure-ivr.json'), 'utf8')));
const FIELDS = { 'customer name': 'Joe Smith', 'customer account': '343453422', 'charge amount': '14.55', currency: 'USD' };

/** A session store that accepts every write (Begin's table writes are not under test here). */
const store = (): SessionStoreDeps => ({
  ddb: { send: async () => ({}) } as unknown as SessionStoreDeps['ddb'],
  tableName: 'SessionTable',
  now: () => new Date('2026-11-22T10:00:00Z'),
});

describe('resolving the workgroup', () => {
  it('takes the first of the agent\u2019s workgroups that has the form assigned', () => {
    expect(workgroupFor(config, 'alice', 'card-payment')).toBe('payments');
    expect(workgroupFor(config, 'carol', 'card-verify')).toBe('support');
    expect(workgroupFor(config, 'carol', 'card-payment')).toBeUndefined();
    expect(workgroupFor({ forms: config.forms }, 'alice', 'card-payment')).toBeUndefined();
  });

  it('puts it on the SessionContext Begin returns', async () => {
    // Act
    const context = await beginSession(store(), config, {
      sessionId: '00000000-0000-4000-8000-000000000001',
      callTransactionId: 'ca110000-0000-4000-8000-000000000001',
      agentId: 'carol',
      formId: 'card-verify',
      fields: { 'customer account': '343453422' },
      parties: 2,
    });
    // Assess
    expect(context).toMatchObject({ sessionId: '00000000-0000-4000-8000-000000000001', agentId: 'carol', formId: 'card-verify', workgroup: 'support' });
  });

  it('leaves it out when the configuration has no workgroups', async () => {
    // Act
    const context = await beginSession(
      store(),
      { forms: config.forms },
      {
        sessionId: '00000000-0000-4000-8000-000000000002',
        callTransactionId: 'ca110000-0000-4000-8000-000000000002',
        agentId: 'anyone',
        formId: 'card-verify',
        fields: { 'customer account': '343453422' },
      },
    );
    // Assess
    expect(context).not.toHaveProperty('workgroup');
  });
});

describe('the finance outcome of a session', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await Sandbox.start({ dataDir: mkdtempSync(join(tmpdir(), 'workgroup-')), ephemeral: true });
  }, 60_000);

  afterAll(async () => {
    await sandbox?.close();
  });

  it('carries the workgroup Begin resolved', async () => {
    // Prepare
    const from = new Date(Date.now() - 60_000);
    // Act
    const result = await runScriptedCall(sandbox, { keys: '4111111111111111#1230#737#', formId: 'card-payment', fields: FIELDS, agentId: 'alice' });
    const records = await readOutcomes(s3ObjectSource(await s3Client(), AUDIT_BUCKET), { from, to: new Date(Date.now() + 60_000) });
    // Assess
    expect(result.outcome).toBe('accepted');
    const record = records.find((r) => r.sessionId === result.sessionId);
    expect(record).toMatchObject({ formId: 'card-payment', agentId: 'alice', workgroup: 'payments', outcome: 'accepted', amount: '14.55', currency: 'USD' });
    expect(JSON.stringify(records)).not.toContain('4111111111111111');
  });
});

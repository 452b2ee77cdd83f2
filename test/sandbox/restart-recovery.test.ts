/**
 * A sandbox stopped mid-call (Ctrl-C) leaves an open session and a sealed vault item behind; the next
 * start closes the session as aborted (releasing the call's lock) and destroys the vault item, as the
 * vault's TTL would in AWS.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sandbox, SESSION_TABLE, VAULT_TABLE } from '../../sandbox/sandbox';
import { recoveryDetails } from '../../sandbox/restart-recovery';

describe('start-up after a run stopped mid-call', () => {
  it('closes open sessions as aborted, releases their call lock and destroys their vault items; finished sessions stay as they were', async () => {
    // Prepare: a first run leaves a capturing session, its lock, a validating session, a finished one and a vault item.
    const dataDir = mkdtempSync(join(tmpdir(), 'sandbox-restart-'));
    const first = await Sandbox.start({ dataDir });
    const { documentClient } = await import('../../lambdas/shared/clients');
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const ddb = await documentClient();
    const now = new Date().toISOString();
    const put = (TableName: string, Item: Record<string, unknown>): Promise<unknown> => ddb.send(new PutCommand({ TableName, Item }));
    await put(SESSION_TABLE, {
      sessionId: 's-capturing',
      callTransactionId: 'call-1',
      status: 'capturing',
      agentId: 'a',
      formId: 'card-payment',
      createdAt: now,
      updatedAt: now,
    });
    await put(SESSION_TABLE, { sessionId: 'call#call-1', activeSessionId: 's-capturing' });
    await put(SESSION_TABLE, {
      sessionId: 's-validating',
      callTransactionId: 'call-2',
      status: 'validating',
      agentId: 'a',
      formId: 'card-payment',
      createdAt: now,
      updatedAt: now,
    });
    await put(SESSION_TABLE, {
      sessionId: 's-done',
      callTransactionId: 'call-3',
      status: 'accepted',
      details: 'Approved',
      agentId: 'a',
      formId: 'card-payment',
      createdAt: now,
      updatedAt: now,
    });
    await put(VAULT_TABLE, { sessionId: 's-capturing', sealed: 'opaque' });
    await first.close();
    // Act
    const second = await Sandbox.start({ dataDir });
    try {
      const sessions = new Map((await second.dynamo.scanAll(SESSION_TABLE)).map((i) => [i.sessionId?.S, i]));
      // Assess
      expect(second.recovery).toMatchObject({ sessionsAborted: 2, vaultItemsDestroyed: 1 });
      expect(await second.dynamo.scanAll(VAULT_TABLE)).toEqual([]);
      expect(sessions.get('s-capturing')?.status?.S).toBe('aborted');
      expect(sessions.get('s-capturing')?.details?.S).toBe(recoveryDetails('capturing'));
      expect(sessions.get('s-validating')?.details?.S).toContain('unknown');
      expect(sessions.get('s-done')?.status?.S).toBe('accepted');
      expect(sessions.has('call#call-1')).toBe(false);
    } finally {
      await second.close();
    }
  }, 120_000);
});

/**
 * What the sandbox does on start about a previous run that was stopped mid-call (Ctrl-C): the workflows
 * and calls of that run are gone, so every session it left open is closed as aborted (with its call
 * lock released) and every card-vault item it left is destroyed, as the vault's TTL would in AWS but
 * without making the next user wait for it. Expired items of both tables are swept as DynamoDB's TTL would.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { finishSession } from '../lambdas/shared/session/session-store';
import type { SessionOutcome, SessionStatus } from '../lambdas/shared/session/contract';
import type { RawItem } from './engines/dynamodb';

export interface RecoveryEngine {
  scanAll(tableName: string): Promise<RawItem[]>;
  sweepExpired(tableName: string): Promise<number>;
}

export interface RecoveryReport {
  sessionsAborted: number;
  vaultItemsDestroyed: number;
  expiredSwept: number;
}

const OPEN: ReadonlySet<SessionStatus> = new Set<SessionStatus>(['requested', 'separating', 'capturing', 'validating']);

/** Details written on a session the previous run left open (no card data, no input values). */
export function recoveryDetails(status: string): string {
  return status === 'validating'
    ? 'the sandbox stopped while the validation service was being asked; the result is unknown, check the payment gateway before charging again'
    : 'the sandbox stopped during the session; no payment was taken';
}

export async function recoverAfterRestart(
  engine: RecoveryEngine,
  ddb: DynamoDBDocumentClient,
  tables: { session: string; vault: string },
  now: () => Date = () => new Date(),
): Promise<RecoveryReport> {
  const expiredSwept = (await engine.sweepExpired(tables.vault)) + (await engine.sweepExpired(tables.session));
  let sessionsAborted = 0;
  for (const item of await engine.scanAll(tables.session)) {
    const sessionId = item.sessionId?.S;
    const status = item.status?.S;
    const callTransactionId = item.callTransactionId?.S;
    if (!sessionId || !status || !callTransactionId || !OPEN.has(status as SessionStatus)) continue;
    const outcome: SessionOutcome = { sessionId, status: 'aborted', error: 'SandboxStopped', details: recoveryDetails(status) };
    await finishSession({ ddb, tableName: tables.session, now }, callTransactionId, outcome);
    sessionsAborted += 1;
  }
  const { DeleteCommand } = await import('@aws-sdk/lib-dynamodb');
  let vaultItemsDestroyed = 0;
  for (const item of await engine.scanAll(tables.vault)) {
    const sessionId = item.sessionId?.S;
    if (!sessionId) continue;
    await ddb.send(new DeleteCommand({ TableName: tables.vault, Key: { sessionId } }));
    vaultItemsDestroyed += 1;
  }
  return { sessionsAborted, vaultItemsDestroyed, expiredSwept };
}

/**
 * Step Functions task: InfoInsert. Attaches the agent's non-confidential fields to the captured card
 * data. A caller who hung up after keying the card ends the session here, before anything is sent.
 */
import { documentClient } from '../../shared/clients';
import { CallerHungUp } from '../../shared/errors';
import { createLogger } from '../../shared/logging';
import type { InfoInsertInput } from '../../shared/session/contract';
import { getSession } from '../../shared/session/session-store';
import { attachParams } from '../../shared/vault';
import { stageDeps } from '../stage-deps';

const logger = createLogger('session-insert');
let deps: ReturnType<typeof stageDeps> | undefined;

export const handler = async (event: InfoInsertInput): Promise<void> => {
  deps ??= stageDeps(process.env, { sessions: true, vault: true }, 'session-insert', logger);
  const { sessionId } = event.session;
  const stage = deps;
  // The fields are non-confidential, so they are attached while the hang-up check runs; a caller who
  // has gone still ends the session here, and Abort destroys the item with its fields.
  const [record] = await Promise.all([
    stage.sessions().then((store) => getSession(store, sessionId)),
    documentClient().then((ddb) => attachParams({ ddb, tableName: stage.vaultTable, now: stage.now }, sessionId, event.vaultRef, event.fields ?? {})),
  ]);
  if (record?.hungUpAt) throw new CallerHungUp();
  logger.info('form fields attached', { sessionId, fieldCount: Object.keys(event.fields ?? {}).length });
  const { callTransactionId, transactionId } = event.session;
  await deps.emit('fields.attached', { sessionId, callTransactionId, transactionId, actor: { kind: 'system', id: 'session-insert' } }, true, {
    fieldCount: Object.keys(event.fields ?? {}).length,
  });
};

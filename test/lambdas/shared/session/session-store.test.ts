import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamo, type DynamoEngine } from '../../../../sandbox/engines/dynamodb';
import type { SessionContext, SessionRequest } from '../../../../lambdas/shared/session/contract';
import {
  callLockHeld,
  closeAgentRequest,
  createSession,
  finishSession,
  getAgentRequest,
  keepTaskToken,
  recordProgress,
  requestCancel,
  requestReentry,
  saveAgentRequest,
  takeReentryRequest,
  sessionIdsOnCall,
  sessionOwner,
  takeTaskToken,
  type SessionStoreDeps,
} from '../../../../lambdas/shared/session/session-store';

const TABLE = 'SessionTable';
let engine: DynamoEngine;
let store: SessionStoreDeps;

const request = (sessionId: string, call = 'call-1'): SessionRequest => ({
  sessionId,
  callTransactionId: call,
  agentId: 'alice',
  formId: 'card-payment',
  fields: { amount: '12.50' },
});
const context = (sessionId: string, call = 'call-1'): SessionContext => ({
  sessionId,
  callTransactionId: call,
  transactionId: `SIV-${sessionId}`,
  agentId: 'alice',
  formId: 'card-payment',
  ivr: { language: 'en-US', voice: 'Joanna', engine: 'neural', attempts: 3, fieldTimeoutSeconds: 20, interDigitSeconds: 5 },
});

async function opened(sessionId: string, call = 'call-1'): Promise<void> {
  await saveAgentRequest(store, { sessionId, agentId: 'alice', callTransactionId: call, formId: 'card-payment', fields: { amount: '12.50' } });
  await createSession(store, request(sessionId, call), context(sessionId, call));
}

beforeAll(async () => {
  engine = await startDynamo({ tables: [{ name: TABLE, partitionKey: 'sessionId' }] });
  const ddb = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } }),
  );
  store = { ddb, tableName: TABLE, now: () => new Date() };
}, 30_000);

afterAll(async () => {
  store?.ddb.destroy();
  await engine?.close();
});

describe('session store: a cancel recorded while the session opens', () => {
  it('is honoured by GetKey, which takes its token back and must fail its task', async () => {
    // Prepare
    await opened('s-cancel-early', 'call-a');
    await requestCancel(store, 's-cancel-early');
    // Act
    const kept = await keepTaskToken(store, 's-cancel-early', 'token-1');
    // Assess: no token is left for the caller's entry to complete
    expect(kept).toBe('cancel');
    expect(await takeTaskToken(store, 's-cancel-early')).toBeUndefined();
  });

  it('after GetKey kept its token, lets the agent API take the token to fail it', async () => {
    // Prepare
    await opened('s-cancel-late', 'call-b');
    const kept = await keepTaskToken(store, 's-cancel-late', 'token-2');
    // Act
    const recorded = await requestCancel(store, 's-cancel-late');
    const token = await takeTaskToken(store, 's-cancel-late');
    // Assess
    expect(kept).toBe('kept');
    expect(recorded).toBe(true);
    expect(token).toBe('token-2');
    expect((await getAgentRequest(store, 's-cancel-late'))?.cancelRequestedAt).toEqual(expect.any(String));
  });

  it('tells GetKey the task is failed already when the agent API took the token between its two steps', async () => {
    // Prepare: the agent's wish is recorded and the token will be gone when GetKey looks again
    await opened('s-race', 'call-c');
    await requestCancel(store, 's-race');
    const racing = { ...store, ddb: store.ddb };
    // Act: GetKey stores, then the agent API takes the token before GetKey reads the wish
    const original = racing.ddb.send.bind(racing.ddb);
    let stored = false;
    racing.ddb = Object.assign(Object.create(racing.ddb), {
      send: async (command: { input?: { UpdateExpression?: string } }) => {
        const out = await original(command as never);
        if (!stored && command.input?.UpdateExpression?.startsWith('SET taskToken')) {
          stored = true;
          await takeTaskToken(store, 's-race');
        }
        return out;
      },
    }) as SessionStoreDeps['ddb'];
    const kept = await keepTaskToken(racing, 's-race', 'token-3');
    // Assess
    expect(kept).toBe('cancelled');
  });

  it('is told of a caller hang-up recorded before it kept its token, takes the token back and must fail its task', async () => {
    // Prepare: Connect's contact events recorded the hang-up and found no token to fail
    await opened('s-hung-up-early', 'call-d');
    await recordProgress(store, 's-hung-up-early', { hungUp: true });
    // Act
    const kept = await keepTaskToken(store, 's-hung-up-early', 'token-4');
    // Assess: GetKey fails the task itself, so the session does not wait for its time-out
    expect(kept).toBe('hung-up');
    expect(await takeTaskToken(store, 's-hung-up-early')).toBeUndefined();
  });

  it('refuses to record a cancel for a session the agent API never started', async () => {
    expect(await requestCancel(store, 'never-requested')).toBe(false);
  });
});

describe('session store: the agent asking for a field again on a flow-driven call (Connect)', () => {
  it('keeps the latest wish until the capture function takes it, exactly once', async () => {
    await opened('reenter-1');
    expect(await requestReentry(store, 'reenter-1', 'pan')).toBe(true);
    expect(await requestReentry(store, 'reenter-1', 'exp')).toBe(true);

    expect(await takeReentryRequest(store, 'reenter-1')).toBe('exp');
    expect(await takeReentryRequest(store, 'reenter-1')).toBeUndefined();
    // The request item itself stays (history, cancel and close still read it).
    expect(await getAgentRequest(store, 'reenter-1')).toMatchObject({ agentId: 'alice', formId: 'card-payment' });
  });

  it('refuses to record a wish for a session the agent API never started, and finds none to take', async () => {
    expect(await requestReentry(store, 'never-requested', 'cvv')).toBe(false);
    expect(await takeReentryRequest(store, 'never-requested')).toBeUndefined();
  });
});

describe('session store: requests, history, locks and owners', () => {
  it('keeps the agent request, lists the call\u2019s sessions in order and marks a close', async () => {
    // Prepare
    await opened('h-1', 'call-h');
    await saveAgentRequest(store, { sessionId: 'h-2', agentId: 'alice', callTransactionId: 'call-h', formId: 'card-payment', fields: {}, retryOf: 'h-1' });
    // Act
    await closeAgentRequest(store, 'h-1');
    // Assess
    expect(await sessionIdsOnCall(store, 'call-h')).toEqual(['h-1', 'h-2']);
    expect(await getAgentRequest(store, 'h-1')).toMatchObject({
      agentId: 'alice',
      callTransactionId: 'call-h',
      formId: 'card-payment',
      fields: { amount: '12.50' },
      closedAt: expect.any(String),
    });
    expect(await getAgentRequest(store, 'h-2')).toMatchObject({ retryOf: 'h-1' });
    expect(await getAgentRequest(store, 'h-3')).toBeUndefined();
    expect(await sessionIdsOnCall(store, 'call-none')).toEqual([]);
  });

  it('holds the call\u2019s lock while a session runs and releases it when the session finishes', async () => {
    // Prepare
    await opened('l-1', 'call-l');
    const held = await callLockHeld(store, 'call-l');
    // Act
    await finishSession(store, 'call-l', { sessionId: 'l-1', status: 'aborted', details: 'x' });
    // Assess
    expect(held).toBe(true);
    expect(await callLockHeld(store, 'call-l')).toBe(false);
    expect(await sessionOwner(store, 'l-1')).toBe('alice');
    expect(await sessionOwner(store, 'nobody')).toBeUndefined();
  });
});

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamo, type DynamoEngine } from '../../../../sandbox/engines/dynamodb';
import { startOrLeaveForFlow } from '../../../../lambdas/telephony/connect/pending-requests';
import { putPendingRequest, takePendingRequest } from '../../../../lambdas/shared/session/session-store';
import type { SessionStoreDeps } from '../../../../lambdas/shared/session/session-store';
import type { SessionRequest } from '../../../../lambdas/shared/session/contract';

const credentials = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };
const request: SessionRequest = {
  sessionId: 'sess-1',
  callTransactionId: 'connect:contact-1',
  agentId: 'agent-1',
  formId: 'card-payment',
  fields: { 'customer name': 'Joe' },
};

describe('pending requests on the session table (local DynamoDB engine)', () => {
  let engine: DynamoEngine;
  let deps: SessionStoreDeps;
  let clock = Date.parse('2026-11-29T22:00:00Z');

  beforeAll(async () => {
    engine = await startDynamo({ tables: [{ name: 'Sessions', partitionKey: 'sessionId' }] });
    deps = {
      ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 }), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableName: 'Sessions',
      now: () => new Date(clock),
    };
  });
  afterAll(async () => {
    deps.ddb.destroy();
    await engine.close();
  });

  it('leaves a Connect request for the flow instead of starting the workflow, and the claim takes it exactly once', async () => {
    const started: SessionRequest[] = [];
    const id = await startOrLeaveForFlow(deps, request, async (r) => (started.push(r), 'arn:execution'));
    expect(id).toBe('pending:connect:contact-1');
    expect(started).toEqual([]);
    expect(await takePendingRequest(deps, 'connect:contact-1')).toEqual(request);
    expect(await takePendingRequest(deps, 'connect:contact-1')).toBeUndefined();
  });

  it('starts a Chime session at once', async () => {
    const started: SessionRequest[] = [];
    const chime = { ...request, callTransactionId: 'chime-transaction-1' };
    expect(await startOrLeaveForFlow(deps, chime, async (r) => (started.push(r), 'arn:execution'))).toBe('arn:execution');
    expect(started).toEqual([chime]);
  });

  it('ignores a request not claimed within ten minutes', async () => {
    await putPendingRequest(deps, { ...request, callTransactionId: 'connect:contact-2' });
    clock += 601_000;
    expect(await takePendingRequest(deps, 'connect:contact-2')).toBeUndefined();
  });

  it('finds nothing for a call the agent left no request for', async () => {
    expect(await takePendingRequest(deps, 'connect:unknown')).toBeUndefined();
  });
});

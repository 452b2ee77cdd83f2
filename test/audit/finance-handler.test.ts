/**
 * The AWS adapters of the finance rule: the finance function serves outcomes only to a token in the
 * viewOutcomes group (the HTTP API JWT authorizer passes groups flattened, "[a b]"), and the agent API
 * function refuses such a token everywhere. The S3 reads are mocked.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { outcomeDayPrefix, outcomeKey } from '../../lambdas/audit/audit-layout';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

process.env.AUDIT_BUCKET = 'audit-bucket';
process.env.AWS_REGION = 'us-east-1';
const s3 = mockClient(S3Client);
const TODAY = new Date().toISOString().slice(0, 10);
const RECORD = {
  v: 1,
  at: new Date().toISOString(),
  sessionId: 's-1',
  formId: 'card-payment',
  workgroup: 'payments',
  agentId: 'alice',
  outcome: 'accepted',
  details: 'Approved',
  last4: '1111',
};

function event(path: string, query: string, claims: Record<string, unknown>): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    rawPath: path,
    rawQueryString: query,
    routeKey: `GET ${path}`,
    requestContext: { http: { method: 'GET' }, authorizer: { jwt: { claims, scopes: [] } } },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

async function call(module: string, e: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyStructuredResultV2> {
  const { handler } = (await import(module)) as { handler: (e: unknown, c: Context) => Promise<APIGatewayProxyStructuredResultV2> };
  return handler(e, { awsRequestId: 'r', getRemainingTimeInMillis: () => 10_000 } as Context);
}

beforeEach(() => {
  s3.reset();
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  s3.on(ListObjectsV2Command, { Prefix: outcomeDayPrefix(TODAY) }).resolves({ Contents: [{ Key: outcomeKey(TODAY, 's-1') }] });
  s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => `${JSON.stringify(RECORD)}\n` } as never });
});

describe('the finance function (GET /api/outcomes)', () => {
  it('serves outcomes to a token in the viewOutcomes group', async () => {
    // Act
    const res = await call(
      '../../lambdas/audit/finance-handler',
      event('/api/outcomes', `from=${TODAY}&to=${TODAY}`, { 'cognito:username': 'fran', 'cognito:groups': '[viewOutcomes]' }),
    );
    // Assess
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(String(res.body)).outcomes).toEqual([expect.objectContaining({ sessionId: 's-1', workgroup: 'payments' })]);
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toMatchObject({ Bucket: 'audit-bucket', Prefix: expect.stringMatching(/^outcomes\//) });
  });

  it('refuses an agent\u2019s token with 403 and reads nothing', async () => {
    // Act
    const res = await call('../../lambdas/audit/finance-handler', event('/api/outcomes', '', { 'cognito:username': 'alice', 'cognito:groups': '[agents]' }));
    // Assess
    expect(res.statusCode).toBe(403);
    expect(s3.calls()).toHaveLength(0);
  });
});

describe('the agent API function', () => {
  it('refuses a finance token with 403 on agent routes', async () => {
    // Prepare
    Object.assign(process.env, {
      SECURE_INPUT_CONFIG_JSON: '{"forms":[{"id":"f","type":"simple","title":"F","fields":[]}]}',
      SESSION_TABLE: 't',
      STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:s',
      SIP_MEDIA_APPLICATION_ID: 'sma',
    });
    // Act
    const res = await call('../../lambdas/agent-api/http-handler', event('/api/forms', '', { 'cognito:username': 'fran', 'cognito:groups': ['viewOutcomes'] }));
    // Assess
    expect(res.statusCode).toBe(403);
    expect(JSON.parse(String(res.body))).toMatchObject({ error: 'no-right' });
  });
});

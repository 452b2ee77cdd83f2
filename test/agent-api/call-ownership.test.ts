/**
 * Security review item 6, on the DEPLOYED code path: the Chime SMA handler and the agent API's HTTP handler
 * with their AWS runtime wiring, against the sandbox's DynamoDB engine (dynalite) and a mocked Step
 * Functions client. Two agents in different workgroups, each reached on their own endpoint.
 *
 * The attack: in AWS the call directory returned no owner, so any agent with start rights could open a secure
 * session on any call id and read its outcome. Now the IVR records the agent leg when the bridge answers, the
 * agent API binds the call to the user that endpoint reaches, refuses when it cannot tell, and takes the
 * party count from that record — never from the request body.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { startDynamo, type DynamoEngine } from '../../sandbox/engines/dynamodb';

const TABLE = 'SessionTable';
const ALICE_DESK = '+15555550101';
const DAVE_DESK = '+15555550102';
const CONFIG = {
  forms: [
    {
      id: 'card-payment',
      type: 'simple',
      title: 'Card payment',
      description: 'Take a card payment',
      fields: [{ id: 'customer name', displayName: 'Customer name', required: true }],
    },
  ],
  workgroups: [
    { id: 'east', name: 'East desk', forms: ['card-payment'], members: ['alice'], rights: ['secureInput', 'initiateSecureInput'] },
    { id: 'west', name: 'West desk', forms: ['card-payment'], members: ['dave'], rights: ['secureInput', 'initiateSecureInput'] },
  ],
  users: [
    { id: 'alice', name: 'Alice', endpoints: [ALICE_DESK] },
    { id: 'dave', name: 'Dave', endpoints: [DAVE_DESK] },
  ],
};

type HttpHandler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type SmaHandler = (event: unknown, context: Context) => Promise<unknown>;

let engine: DynamoEngine;
let http: HttpHandler;
let sma: SmaHandler;
const sfn = mockClient(SFNClient);
const context = { awsRequestId: 'req-1' } as Context;
const savedEnv = { ...process.env };

function bridgeAnswered(callId: string, agentTo: string, legs: Array<'Connected' | 'Disconnected'> = ['Connected', 'Connected']): unknown {
  return {
    SchemaVersion: '1.0',
    Sequence: 2,
    InvocationEventType: 'ACTION_SUCCESSFUL',
    ActionData: {
      Type: 'CallAndBridge',
      Parameters: { CallTimeoutSeconds: 30, CallerIdNumber: '+15105550101', Endpoints: [{ BridgeEndpointType: 'PSTN', Uri: agentTo }] },
    },
    CallDetails: {
      TransactionId: callId,
      AwsAccountId: '123456789012',
      AwsRegion: 'us-east-1',
      SipMediaApplicationId: 'sma-id',
      Participants: [
        { CallId: `${callId}-a`, ParticipantTag: 'LEG-A', To: '+12065551212', From: '+15105550101', Direction: 'Inbound', Status: legs[0] },
        { CallId: `${callId}-b`, ParticipantTag: 'LEG-B', To: agentTo, From: '+15105550101', Direction: 'Outbound', Status: legs[1] },
      ],
      TransactionAttributes: { stage: 'bridging', rec: 'off', tries: '0' },
    },
  };
}

function agentHungUp(callId: string, agentTo: string): unknown {
  const event = bridgeAnswered(callId, agentTo, ['Connected', 'Disconnected']) as {
    InvocationEventType: string;
    ActionData: unknown;
    CallDetails: { TransactionAttributes: Record<string, string> };
  };
  event.InvocationEventType = 'HANGUP';
  event.ActionData = { Type: 'Hangup', Parameters: { SipResponseCode: '0', CallId: `${callId}-b`, ParticipantTag: 'LEG-B' } };
  event.CallDetails.TransactionAttributes = { stage: 'bridged', rec: 'off', tries: '0' };
  return event;
}

function request(agent: string, method: string, path: string, body?: unknown): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    version: '2.0',
    routeKey: `${method} /api/{proxy+}`,
    rawPath: path,
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    requestContext: {
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      authorizer: { jwt: { claims: { 'cognito:username': agent, token_use: 'id' }, scopes: [] }, principalId: agent, integrationLatency: 0 },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

async function start(agent: string, interactionId: string, extra: Record<string, unknown> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await http(
    request(agent, 'POST', '/api/sessions', { interactionId, formId: 'card-payment', fields: { 'customer name': 'Joe Smith' }, ...extra }),
    context,
  );
  return { status: res.statusCode ?? 0, body: JSON.parse(String(res.body)) as Record<string, unknown> };
}

beforeAll(async () => {
  engine = await startDynamo({ tables: [{ name: TABLE, partitionKey: 'sessionId' }] });
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
    AWS_ENDPOINT_URL_DYNAMODB: engine.endpoint,
    SESSION_TABLE: TABLE,
    STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:secure-ivr-Session',
    SIP_MEDIA_APPLICATION_ID: 'sma-id',
    SECURE_INPUT_CONFIG_JSON: JSON.stringify(CONFIG),
    VAULT_TABLE: 'CardVaultTable',
    VAULT_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/vault',
    AGENT_ENDPOINT_TYPE: 'PSTN',
    AGENT_ENDPOINT_URI: ALICE_DESK,
  });
  sfn
    .on(StartExecutionCommand)
    .callsFake((input: { name?: string }) => ({ executionArn: `arn:aws:states:us-east-1:123456789012:execution:secure-ivr-Session:${input.name}` }));
  http = (await import('../../lambdas/agent-api/http-handler')).handler as unknown as HttpHandler;
  sma = (await import('../../lambdas/telephony/chime-sma/handler')).handler as unknown as SmaHandler;
  // The IVR's bridges answer: one call reaches Alice's desk, one Dave's, one a desk no user is configured on.
  await sma(bridgeAnswered('ca110000-0000-4000-8000-00000000000a', ALICE_DESK), context);
  await sma(bridgeAnswered('ca110000-0000-4000-8000-00000000000d', DAVE_DESK), context);
  await sma(bridgeAnswered('ca110000-0000-4000-8000-00000000000f', '+15555550199'), context);
}, 60_000);

afterAll(async () => {
  sfn.restore();
  process.env = savedEnv;
  await engine.close();
});

describe('an agent acts only on their own calls (review item 6, deployed handlers)', () => {
  it('attack: Dave (west) cannot open a secure session on the call Alice (east) answered', async () => {
    // Act
    const res = await start('dave', 'ca110000-0000-4000-8000-00000000000a');
    // Assess
    expect(res).toMatchObject({ status: 403, body: { error: 'not-your-interaction' } });
    expect(
      sfn
        .commandCalls(StartExecutionCommand)
        .filter((c) => JSON.parse(c.args[0].input.input ?? '{}').callTransactionId === 'ca110000-0000-4000-8000-00000000000a'),
    ).toHaveLength(0);
  });

  it('lets Alice open a secure session on her own call, and not Dave read it', async () => {
    // Act
    const mine = await start('alice', 'ca110000-0000-4000-8000-00000000000a');
    const sessionId = String(mine.body.sessionId);
    const peek = await http(request('dave', 'GET', `/api/sessions/${sessionId}`), context);
    // Assess
    expect(mine.status).toBe(202);
    expect(peek.statusCode).toBe(403);
    expect(JSON.parse(String(peek.body))).toMatchObject({ error: 'not-your-session' });
  });

  it('attack: an agent cannot act on a call no bridge was ever recorded for (made-up or foreign call id)', async () => {
    // Act
    const res = await start('alice', 'ca110000-0000-4000-8000-00000000000e');
    // Assess
    expect(res).toMatchObject({ status: 404, body: { error: 'unknown-interaction' } });
  });

  it('refuses when the call was answered on an endpoint that reaches no single configured user', async () => {
    // Act
    const alice = await start('alice', 'ca110000-0000-4000-8000-00000000000f');
    const dave = await start('dave', 'ca110000-0000-4000-8000-00000000000f');
    // Assess
    expect(alice).toMatchObject({ status: 403, body: { error: 'owner-unknown' } });
    expect(dave).toMatchObject({ status: 403, body: { error: 'owner-unknown' } });
  });

  it('attack: Dave cannot read the secure input history of Alice\u2019s call', async () => {
    // Act
    const res = await http(request('dave', 'GET', '/api/interactions/ca110000-0000-4000-8000-00000000000a'), context);
    // Assess
    expect(res.statusCode).toBe(403);
  });

  it('takes connection and party count from the server: the body\u2019s "parties" cannot make a call look two-party', async () => {
    // Prepare: Dave's agent leg hangs up (the IVR records it), then Dave claims the call is still a two-party call.
    await sma(agentHungUp('ca110000-0000-4000-8000-00000000000d', DAVE_DESK), context);
    // Act
    const res = await start('dave', 'ca110000-0000-4000-8000-00000000000d', { parties: 2 });
    // Assess
    expect(res).toMatchObject({ status: 409, body: { error: 'not-connected' } });
  });
});

describe('agent endpoints in the configuration', () => {
  it('refuses an endpoint shared by two users (a call on it would have no single owner) and one that is not a number or SIP user', () => {
    // Prepare
    const { parseFormsConfig } = require('../../lambdas/shared/session/forms-config') as typeof import('../../lambdas/shared/session/forms-config');
    const shared = {
      ...CONFIG,
      users: [
        { id: 'alice', endpoints: [ALICE_DESK] },
        { id: 'dave', endpoints: [ALICE_DESK] },
      ],
    };
    const bad = { ...CONFIG, users: [{ id: 'alice', endpoints: ['sip:alice@evil example'] }, { id: 'dave' }] };
    // Act / Assess
    expect(() => parseFormsConfig(shared)).toThrow(/share an agent endpoint/);
    expect(() => parseFormsConfig(bad)).toThrow(/endpoints must be a list of E\.164 numbers or SIP user parts/);
  });
});

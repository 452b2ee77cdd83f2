/**
 * Call ownership on Amazon Connect, on the DEPLOYED code path: the contact-events function (EventBridge
 * CONNECTED_TO_AGENT), the agent API's HTTP handler and the flow's claim function with their AWS runtime
 * wiring, against the sandbox's DynamoDB engine (dynalite) and a mocked Step Functions client. Alice and
 * Dave are bound to their Connect users by the `endpoints` of the configuration.
 *
 * The attack: Dave asks for secure input on the contact Connect routed to Alice. The agent API refuses it;
 * and a request that got past the API anyway (left in the table) is refused by the claim, so the caller
 * Alice transfers never reaches card entry on Dave's behalf.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { startDynamo, type DynamoEngine } from '../../sandbox/engines/dynamodb';

const TABLE = 'SessionTable';
const INSTANCE = 'arn:aws:connect:us-east-1:123456789012:instance/5ec0e1f0-0000-4000-8000-000000000001';
const ALICE_CONNECT_USER = 'a11ce000-0000-4000-8000-000000000001';
const DAVE_CONNECT_USER = 'da7e0000-0000-4000-8000-000000000002';
const ALICE_CONTACT = 'c0a1ce00-0000-4000-8000-00000000000a';
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
    { id: 'alice', name: 'Alice', endpoints: [ALICE_CONNECT_USER] },
    { id: 'dave', name: 'Dave', endpoints: [DAVE_CONNECT_USER] },
  ],
};

type HttpHandler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type FlowHandler = (event: unknown, context?: Context) => Promise<Record<string, string>>;

let engine: DynamoEngine;
let http: HttpHandler;
let claim: FlowHandler;
const sfn = mockClient(SFNClient);
const context = { awsRequestId: 'req-1' } as Context;
const savedEnv = { ...process.env };

function request(agent: string, body: unknown): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    version: '2.0',
    routeKey: 'POST /api/{proxy+}',
    rawPath: '/api/sessions',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    body: JSON.stringify(body),
    requestContext: {
      http: { method: 'POST', path: '/api/sessions', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
      authorizer: { jwt: { claims: { 'cognito:username': agent, token_use: 'id' }, scopes: [] }, principalId: agent, integrationLatency: 0 },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

async function start(agent: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await http(
    request(agent, { interactionId: `connect:${ALICE_CONTACT}`, formId: 'card-payment', fields: { 'customer name': 'Joe Smith' } }),
    context,
  );
  return { status: res.statusCode ?? 0, body: JSON.parse(String(res.body)) as Record<string, unknown> };
}

/** The transfer flow's claim, as Connect invokes it: a new contact whose previous contact is Alice's. */
const claimEvent = {
  Name: 'ContactFlowEvent',
  Details: {
    ContactData: {
      ContactId: 'c0a1ce00-0000-4000-8000-0000000000ff',
      PreviousContactId: ALICE_CONTACT,
      InitialContactId: ALICE_CONTACT,
      Channel: 'VOICE',
      InstanceARN: INSTANCE,
      InitiationMethod: 'TRANSFER',
      Attributes: {},
    },
    Parameters: { Operation: 'claim' },
  },
};

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
  });
  sfn
    .on(StartExecutionCommand)
    .callsFake((input: { name?: string }) => ({ executionArn: `arn:aws:states:us-east-1:123456789012:execution:secure-ivr-Session:${input.name}` }));
  http = (await import('../../lambdas/agent-api/http-handler')).handler as unknown as HttpHandler;
  claim = (await import('../../lambdas/telephony/connect/claim-handler')).handler as unknown as FlowHandler;
  // Connect routes the contact to Alice: the instance's contact event reaches the contact-events function.
  const { handler: contactEvents } = await import('../../lambdas/telephony/connect/contact-events');
  await contactEvents({
    detail: { eventType: 'CONNECTED_TO_AGENT', channel: 'VOICE', contactId: ALICE_CONTACT, agentInfo: { agentArn: `${INSTANCE}/agent/${ALICE_CONNECT_USER}` } },
  });
}, 60_000);

afterAll(async () => {
  sfn.restore();
  process.env = savedEnv;
  await engine.close();
});

describe('an agent acts only on the Connect contacts routed to them', () => {
  it('attack: Dave cannot ask for secure input on the contact Connect routed to Alice', async () => {
    const res = await start('dave');

    expect(res).toMatchObject({ status: 403, body: { error: 'not-your-interaction' } });
  });

  it('attack: a request from Dave that got past the API is refused by the claim; nothing starts and the caller goes back to Alice', async () => {
    // Prepare: Dave's request left for Alice's contact, as if the API had let it through
    const { putPendingRequest } = await import('../../lambdas/shared/session/session-store');
    const { documentClient } = await import('../../lambdas/shared/clients');
    await putPendingRequest(
      { ddb: await documentClient(), tableName: TABLE, now: () => new Date() },
      { sessionId: '0da7e000-0000-4000-8000-000000000001', callTransactionId: `connect:${ALICE_CONTACT}`, agentId: 'dave', formId: 'card-payment', fields: {} },
    );
    sfn.resetHistory();
    // Act
    const answer = await claim(claimEvent, context);
    // Assess
    expect(answer).toMatchObject({ next: 'refused', prompt: 'Secure payment is not available right now. Returning you to your agent.', state: '' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('lets Alice leave her request for her own contact, which the claim then starts', async () => {
    sfn.resetHistory();
    const mine = await start('alice');
    // The claim starts the workflow and then waits for Begin, which does not run here: only the start is checked.
    await claim(claimEvent, context);

    expect(mine.status).toBe(202);
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => JSON.parse(c.args[0].input.input ?? '{}').agentId)).toEqual(['alice']);
  }, 30_000);
});

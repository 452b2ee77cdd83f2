/**
 * Regression for a soak finding (see late-duplicate-vault.test.ts): the SMA handler passes the vault
 * reference the call already carries, so a retried last-field event cannot re-create a destroyed item,
 * and the retry still gets a valid response rather than a crash.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { KMSClient, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { SFNClient } from '@aws-sdk/client-sfn';
import { checkResponse } from '../../sandbox/sma/response-check';
import { smaFixture } from '../helpers/fixtures';
import { captureLogs } from '../../sandbox/log-capture';

// The handler's log lines go to files, as in the sandbox, rather than into the test output.
const logs = captureLogs(mkdtempSync(join(tmpdir(), 'late-dup-logs-')));
afterAll(() => logs.stop());
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  SESSION_TABLE: 'SessionTable',
  VAULT_TABLE: 'CardVaultTable',
  VAULT_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/vault',
  AGENT_ENDPOINT_URI: '+15555550100',
});
delete process.env.AUDIT_BUCKET;

const ddb = mockClient(DynamoDBDocumentClient);
const kms = mockClient(KMSClient);
const sfn = mockClient(SFNClient);
type Handler = (event: unknown, context: unknown) => Promise<unknown>;
let handler: Handler;
const cvvEvent = () =>
  smaFixture('action-successful-speak-and-get-digits', {
    digits: '737',
    attrs: {
      stage: 'capturing',
      rec: 'paused',
      tries: '0',
      sid: 'session-0001',
      ivr: '["en-US","Joanna","neural",3,20,5]',
      field: 'cvv',
      card: 'visa:1111',
      vref: 'vault-ref-0001',
    },
  });

beforeAll(async () => {
  handler = (await import('../../lambdas/telephony/chime-sma/handler')).handler as unknown as Handler;
});

beforeEach(() => {
  for (const m of [ddb, kms, sfn]) m.reset();
  kms.on(GenerateDataKeyCommand).resolves({ Plaintext: new Uint8Array(Buffer.alloc(32, 7)), CiphertextBlob: new Uint8Array([1, 2, 3]) });
  sfn.onAnyCommand().resolves({});
});

describe('a retried security-code event', () => {
  it('seals only into the vault item the call already refers to', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({ Attributes: { vaultRef: 'vault-ref-0001', taskToken: 'token-1' } });
    // Act
    await handler(cvvEvent(), { awsRequestId: 'r1' });
    // Assess
    const seal = ddb.commandCalls(UpdateCommand).find((c) => c.args[0].input.TableName === 'CardVaultTable');
    expect(seal?.args[0].input).toMatchObject({
      ConditionExpression: 'vaultRef = :expected',
      ExpressionAttributeValues: expect.objectContaining({ ':expected': 'vault-ref-0001' }),
    });
  });

  it('gets a valid response without card data when the session already ended and its item is gone', async () => {
    // Prepare
    const gone = Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    ddb.on(UpdateCommand).callsFake((input: { TableName?: string }) => {
      if (input.TableName === 'CardVaultTable') throw gone;
      return {};
    });
    // Act
    const response = await handler(cvvEvent(), { awsRequestId: 'r2' });
    // Assess
    expect(checkResponse(response).ok).toBe(true);
    expect(JSON.stringify(response)).not.toMatch(/"737"|4111111111111111/);
    expect(JSON.stringify(response)).not.toContain('SpeakAndGetDigits');
  });

  it('does not re-create the vault item from a retried card-number event once the session has ended', async () => {
    // Prepare
    ddb.on(GetCommand).resolves({ Item: { sessionId: 'session-0001', status: 'aborted' } });
    ddb.on(UpdateCommand).resolves({ Attributes: { vaultRef: 'vault-ref-0002' } });
    const panEvent = smaFixture('action-successful-speak-and-get-digits', {
      digits: '4111111111111111',
      attrs: { stage: 'capturing', rec: 'paused', tries: '0', sid: 'session-0001', ivr: '["en-US","Joanna","neural",3,20,5]', field: 'pan' },
    });
    // Act
    const response = await handler(panEvent, { awsRequestId: 'r3' });
    // Assess
    expect(ddb.commandCalls(UpdateCommand).filter((c) => c.args[0].input.TableName === 'CardVaultTable')).toEqual([]);
    expect(checkResponse(response).ok).toBe(true);
    expect(JSON.stringify(response)).not.toContain('4111111111111111');
  });
});

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { KMSClient, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { SFNClient, SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import type { SmaResponse } from '../../../../lambdas/telephony/chime-sma/contract';
import { CVV_SENTINEL, PAN_SENTINEL, smaFixture } from '../../../helpers/fixtures';

const logDir = mkdtempSync(join(tmpdir(), 'sma-logs-'));
Object.assign(process.env, {
  SECURE_IVR_LOG_DIR: logDir,
  AWS_REGION: 'us-east-1',
  SESSION_TABLE: 'SessionTable',
  VAULT_TABLE: 'CardVaultTable',
  VAULT_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/vault',
  AGENT_ENDPOINT_URI: '+15555550100',
  RECORDING_BUCKET: 'recordings-bucket',
  RECORDING_PREFIX: 'calls',
});

const ddb = mockClient(DynamoDBDocumentClient);
const kms = mockClient(KMSClient);
const sfn = mockClient(SFNClient);
const KEY = Buffer.alloc(32, 7);

type Handler = (event: unknown, context: unknown) => Promise<SmaResponse>;
let handler: Handler;
const context = { awsRequestId: 'req-1' };

const allLogs = (): string =>
  readdirSync(logDir)
    .map((f) => readFileSync(join(logDir, f), 'utf8'))
    .join('\n');

beforeAll(async () => {
  handler = (await import('../../../../lambdas/telephony/chime-sma/handler')).handler as unknown as Handler;
});

beforeEach(() => {
  ddb.reset();
  kms.reset();
  sfn.reset();
  kms.on(GenerateDataKeyCommand).resolves({ Plaintext: new Uint8Array(KEY), CiphertextBlob: new Uint8Array([1, 2, 3]) });
  ddb.on(UpdateCommand).resolves({ Attributes: { vaultRef: 'vault-ref-0001', taskToken: 'token-1' } });
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
});

describe('SMA handler', () => {
  it('returns the documented response shape for an inbound call without loading any AWS client', async () => {
    const response = await handler(smaFixture('new-inbound-call'), context);
    expect(response.SchemaVersion).toBe('1.0');
    expect(response.Actions.map((a) => a.Type)).toEqual(['CallAndBridge']);
    expect(response.TransactionAttributes).toEqual({ stage: 'bridging', rec: 'off', tries: '0' });
    expect(ddb.calls()).toHaveLength(0);
    expect(kms.calls()).toHaveLength(0);
  });

  it('encrypts a captured card number with a data key bound to the session before storing it', async () => {
    const response = await handler(smaFixture('action-successful-speak-and-get-digits', { digits: PAN_SENTINEL }), context);
    expect(kms).toHaveReceivedCommandWith(GenerateDataKeyCommand, {
      KeyId: process.env.VAULT_KEY_ARN,
      KeySpec: 'AES_256',
      EncryptionContext: { sessionId: 'session-0001' },
    });
    const stored = JSON.stringify(ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input));
    expect(stored).not.toContain(PAN_SENTINEL);
    expect(JSON.stringify(response)).not.toContain(PAN_SENTINEL);
  });

  it('completes the waiting workflow step with the vault reference and never with card data', async () => {
    const event = smaFixture('action-successful-speak-and-get-digits', {
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
      digits: CVV_SENTINEL,
    });
    await handler(event, context);
    expect(sfn).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'token-1' });
    const output = sfn.commandCalls(SendTaskSuccessCommand)[0]?.args[0].input.output ?? '';
    expect(JSON.parse(output)).toEqual({ status: 'captured', vaultRef: 'vault-ref-0001', brand: 'visa', last4: '1111' });
    expect(output).not.toContain(CVV_SENTINEL);
  });

  it('answers a malformed event with no actions and a clear log line instead of throwing', async () => {
    const response = await handler({ SchemaVersion: '1.0', InvocationEventType: 'SOMETHING', CallDetails: {} }, context);
    expect(response).toEqual({ SchemaVersion: '1.0', Actions: [] });
    expect(allLogs()).toContain('malformed sma event');
    expect(allLogs()).toContain('InvocationEventType is missing or unknown');
  });

  it('answers a non-object event with no actions', async () => {
    await expect(handler('not json', context)).resolves.toEqual({ SchemaVersion: '1.0', Actions: [] });
  });

  it('turns a vault failure mid-entry into an apology, a resumed recording and the agent called back, and fails the session', async () => {
    kms.on(GenerateDataKeyCommand).rejects(Object.assign(new Error(`boom ${PAN_SENTINEL}`), { name: 'KMSInternalException' }));
    const response = await handler(smaFixture('action-successful-speak-and-get-digits', { digits: PAN_SENTINEL }), context);
    expect(response.Actions.map((a) => a.Type)).toEqual(['ResumeCallRecording', 'Speak', 'CallAndBridge']);
    expect(response.TransactionAttributes?.sid).toBeUndefined();
    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, { error: 'TelephonyFailed' });
    expect(allLogs()).toContain('sma handler failed');
  });

  it('never writes the card number or security code to its logs', async () => {
    await handler(smaFixture('action-successful-speak-and-get-digits', { digits: PAN_SENTINEL }), context);
    const logs = allLogs();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(PAN_SENTINEL);
    expect(logs).not.toContain(`"${CVV_SENTINEL}"`);
  });
});

describe('SMA handler: the caller keying while bridged (DIGITS_RECEIVED)', () => {
  it('notes caller-keying on the session the agent just asked for, re-arms the listener, and writes no key anywhere', async () => {
    // Prepare: the agent has pressed Send to IVR (session requested) and the caller keys the card at them
    ddb
      .on(GetCommand)
      .callsFake((input: { Key: { sessionId: string } }) =>
        input.Key.sessionId.startsWith('interaction#')
          ? { Item: { sessionId: input.Key.sessionId, sessionIds: ['session-0009'] } }
          : { Item: { sessionId: 'session-0009', status: 'requested', agentId: 'alice' } },
      );
    // Act
    const response = await handler(smaFixture('digits-received', { digits: PAN_SENTINEL }), context);
    // Assess
    expect(response.Actions).toEqual([
      {
        Type: 'ReceiveDigits',
        Parameters: {
          CallId: 'c0ffee00-0000-4000-8000-00000000000a',
          InputDigitsRegex: '^[0-9#*]+$',
          InBetweenDigitsDurationInMilliseconds: 1000,
          FlushDigitsDurationInMilliseconds: 10_000,
        },
      },
    ]);
    const logs = allLogs();
    expect(logs).toMatch(/"type":"caller-keying"/);
    expect(logs).toMatch(/session-0009/);
    expect(logs).not.toContain(PAN_SENTINEL);
    expect(JSON.stringify(response)).not.toContain(PAN_SENTINEL);
    expect(JSON.stringify(ddb.calls().map((c) => c.args[0].input))).not.toContain(PAN_SENTINEL);
    expect(kms.calls()).toHaveLength(0);
  });

  it('still re-arms when the session table cannot be read (the warning is best effort)', async () => {
    ddb.on(GetCommand).rejects(new Error('throttled'));
    const response = await handler(smaFixture('digits-received', { digits: '12' }), context);
    expect(response.Actions.map((a) => a.Type)).toEqual(['ReceiveDigits']);
    expect(allLogs()).toMatch(/caller keying not recorded/);
  });
});

/**
 * Fuzzes the real SMA handler (middy + error boundary) with mutated fixtures from events/sma — fields
 * dropped, wrong types, unknown event and action types, hostile and huge strings — plus values that are
 * not events at all and cut JSON text. Every input must come back as a response the SIP media application
 * service accepts, never a throw (which would make the service retry and could seal digits twice), and no
 * response or log line may carry the card sentinel. FUZZ_RUNS=20000 for a longer run, FUZZ_SEED to replay.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { SFNClient } from '@aws-sdk/client-sfn';
import { checkResponse } from '../../sandbox/sma/response-check';
import { brokenJson, CVV_SENTINEL, fuzzRandom, fuzzRuns, mutate, PAN_SENTINEL, randomValue } from './fuzz-kit';
import { captureLogs } from '../../sandbox/log-capture';

const logDir = mkdtempSync(join(tmpdir(), 'sma-fuzz-logs-'));
const logs = captureLogs(logDir);
afterAll(() => logs.stop());
Object.assign(process.env, {
  AWS_REGION: 'us-east-1',
  SESSION_TABLE: 'SessionTable',
  VAULT_TABLE: 'CardVaultTable',
  VAULT_KEY_ARN: 'arn:aws:kms:us-east-1:123456789012:key/vault',
  AGENT_ENDPOINT_URI: '+15555550100',
  RECORDING_BUCKET: 'recordings-bucket',
  RECORDING_PREFIX: 'calls',
});
delete process.env.AUDIT_BUCKET;

const ddb = mockClient(DynamoDBDocumentClient);
const rawDdb = mockClient(DynamoDBClient);
const kms = mockClient(KMSClient);
const sfn = mockClient(SFNClient);

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
let handler: Handler;
const context = { awsRequestId: 'fuzz-req', getRemainingTimeInMillis: () => 5000 };
const FIXTURES = readdirSync(join(__dirname, '..', '..', 'events', 'sma'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(join(__dirname, '..', '..', 'events', 'sma', f), 'utf8')) as Record<string, unknown>);
const EVENT_TYPES = [
  'NEW_INBOUND_CALL',
  'ACTION_SUCCESSFUL',
  'ACTION_FAILED',
  'HANGUP',
  'CALL_UPDATE_REQUESTED',
  'DIGITS_RECEIVED',
  'RINGING',
  'CALL_ANSWERED',
  'INVALID_LAMBDA_RESPONSE',
  'ACTION_INTERRUPTED',
  'NEW_OUTBOUND_CALL',
  'SOMETHING_NEW',
];
const ACTION_TYPES = [
  'SpeakAndGetDigits',
  'PauseCallRecording',
  'CallAndBridge',
  'Hangup',
  'Pause',
  'Speak',
  'StartCallRecording',
  'ResumeCallRecording',
  'PlayAudio',
  'Unknown',
];

const allLogs = (): string =>
  readdirSync(logDir)
    .map((f) => readFileSync(join(logDir, f), 'utf8'))
    .join('\n');

/** Calls the handler, turning a throw into a failure that names the input's shape, not its content. */
async function invoke(event: unknown): Promise<{ response?: unknown; threw?: string }> {
  try {
    return { response: await handler(event, context) };
  } catch (err) {
    return { threw: err instanceof Error ? err.name : typeof err };
  }
}

beforeAll(async () => {
  handler = (await import('../../lambdas/telephony/chime-sma/handler')).handler as unknown as Handler;
});

beforeEach(() => {
  for (const m of [ddb, rawDdb, kms, sfn]) m.reset();
  kms.on(GenerateDataKeyCommand).resolves({ Plaintext: new Uint8Array(Buffer.alloc(32, 7)), CiphertextBlob: new Uint8Array([1, 2, 3]) });
  ddb.on(UpdateCommand).resolves({ Attributes: { vaultRef: 'vault-ref-0001', taskToken: 'token-1' } });
  ddb.on(GetCommand).resolves({});
  sfn.onAnyCommand().resolves({});
});

describe('SMA handler under fuzzed events', () => {
  it('answers every mutated fixture with a valid SMA response, never throws and never echoes card data', async () => {
    // Prepare
    const { rnd, seed } = fuzzRandom(1);
    const runs = fuzzRuns(400);
    const failures: string[] = [];
    // Act
    for (let i = 0; i < runs; i += 1) {
      const base = JSON.parse(JSON.stringify(rnd.pick(FIXTURES))) as Record<string, unknown>;
      if (rnd.chance(0.3)) base.InvocationEventType = rnd.pick(EVENT_TYPES);
      const action = base.ActionData as Record<string, unknown> | undefined;
      if (action && rnd.chance(0.3)) action.Type = rnd.pick(ACTION_TYPES);
      if (action && rnd.chance(0.3)) action.ReceivedDigits = rnd.pick([PAN_SENTINEL, `${PAN_SENTINEL}${PAN_SENTINEL}`, CVV_SENTINEL, '1230', '']);
      const event = mutate(base, rnd);
      const { response, threw } = await invoke(event);
      if (threw) {
        failures.push(`case ${i} (seed ${seed}): threw ${threw}`);
        continue;
      }
      const checked = checkResponse(response);
      if (!checked.ok) failures.push(`case ${i} (seed ${seed}): invalid response ${checked.errorType}`);
      // Only digits the caller keyed are card data; a CallId that happens to look like one is echoed by design.
      const echoedElsewhere = (JSON.stringify(event, (k, v: unknown) => (k === 'ReceivedDigits' ? undefined : v) as unknown) ?? '').includes(PAN_SENTINEL);
      if (!echoedElsewhere && JSON.stringify(response).includes(PAN_SENTINEL)) failures.push(`case ${i} (seed ${seed}): card number in the response`);
    }
    // Assess
    expect(failures).toEqual([]);
    expect(allLogs()).not.toContain(PAN_SENTINEL);
  }, 120_000);

  it('answers values that are not events, huge events and cut JSON text without throwing', async () => {
    // Prepare
    const { rnd } = fuzzRandom(2);
    const runs = fuzzRuns(150);
    const text = JSON.stringify(FIXTURES[0]);
    const huge = JSON.parse(text) as { CallDetails: { TransactionAttributes?: Record<string, string>; Participants: unknown[] } };
    huge.CallDetails.TransactionAttributes = { stage: 'capturing', sid: 'x'.repeat(1_000_000), field: 'pan' };
    huge.CallDetails.Participants = Array.from({ length: 10_000 }, () => ({ CallId: 'c', ParticipantTag: 'LEG-A' }));
    const inputs: unknown[] = [undefined, null, 0, '', [], {}, 'not json', huge, { SchemaVersion: '1.0' }];
    for (let i = 0; i < runs; i += 1) inputs.push(rnd.chance(0.5) ? brokenJson(text, rnd) : randomValue(rnd));
    const failures: string[] = [];
    // Act
    for (const [i, input] of inputs.entries()) {
      const { response, threw } = await invoke(input);
      if (threw) failures.push(`input ${i}: threw ${threw}`);
      else if (!checkResponse(response).ok) failures.push(`input ${i}: invalid response`);
    }
    // Assess
    expect(failures).toEqual([]);
  }, 120_000);

  it('logs the malformed event with a reason but without the digits it carried', async () => {
    // Prepare
    const event = { ...(FIXTURES[0] as object), SchemaVersion: 7, ActionData: { Type: 'SpeakAndGetDigits', ReceivedDigits: PAN_SENTINEL } };
    // Act
    const { response } = await invoke(event);
    // Assess
    expect(checkResponse(response).ok).toBe(true);
    expect(allLogs()).toContain('malformed sma event');
    expect(allLogs()).not.toContain(PAN_SENTINEL);
  });
});

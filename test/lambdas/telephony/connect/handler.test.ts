/** The deployed entry points with their live wiring (runtime.ts, flow-keys.ts), AWS mocked with aws-sdk-client-mock. */
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendTaskFailureCommand, SFNClient } from '@aws-sdk/client-sfn';
import { handler as capture } from '../../../../lambdas/telephony/connect/capture-handler';
import { forgetFlowKeys } from '../../../../lambdas/telephony/connect/flow-keys';
import { encodeCaptureState } from '../../../../lambdas/telephony/connect/capture-state';
import { generateFlowKeyMaterial, type FlowKeyMaterial } from '../../../../lambdas/telephony/connect/flow-key-material';
import { encryptAsConnect } from '../../../helpers/connect-crypto';
import { PAN_SENTINEL } from '../../../helpers/fixtures';

const ddb = mockClient(DynamoDBDocumentClient);
const kms = mockClient(KMSClient);
const secrets = mockClient(SecretsManagerClient);
const sfn = mockClient(SFNClient);
const IVR = { language: 'en-US', voice: 'Joanna', engine: 'neural' as const, attempts: 3, fieldTimeoutSeconds: 20, interDigitSeconds: 5 };
const state = encodeCaptureState({ sessionId: 'sess-1', ivr: IVR, field: 'pan', tries: 0 });
let material: FlowKeyMaterial;

const event = (parameters: Record<string, string>): unknown => ({
  Name: 'ContactFlowEvent',
  Details: {
    ContactData: { ContactId: 'transfer-contact', PreviousContactId: 'agent-contact', InitialContactId: 'first-contact', Channel: 'VOICE', Attributes: {} },
    Parameters: parameters,
  },
});

beforeAll(async () => {
  material = await generateFlowKeyMaterial({ now: new Date(), validDays: 60, modulusBits: 2048 });
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    SESSION_TABLE: 'Sessions',
    VAULT_TABLE: 'Vault',
    VAULT_KEY_ARN: 'arn:aws:kms:us-east-1:111122223333:key/vault',
    FLOW_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:flow-AbCdEf',
  });
});

beforeEach(() => {
  forgetFlowKeys();
  for (const m of [ddb, kms, secrets, sfn]) m.reset();
  secrets
    .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
    .resolves({ SecretString: JSON.stringify({ keys: [{ keyId: 'key-1', privateKeyPem: material.privateKeyPem, certificatePem: material.certificatePem }] }) });
  secrets.on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' }).rejects(new ResourceNotFoundException({ message: 'none', $metadata: {} }));
  ddb.on(GetCommand).resolves({
    Item: {
      sessionId: 'sess-1',
      callTransactionId: 'connect:agent-contact',
      agentId: 'a',
      formId: 'card-payment',
      status: 'capturing',
      createdAt: '',
      updatedAt: '',
    },
  });
  ddb.on(UpdateCommand).resolves({ Attributes: { vaultRef: 'vault-1', taskToken: 'token-1' } });
  kms.on(GenerateDataKeyCommand).resolves({ Plaintext: new Uint8Array(32).fill(7), CiphertextBlob: new Uint8Array(48).fill(1) });
  sfn.onAnyCommand().resolves({});
});

describe('capture handler', () => {
  it('opens the stored field with the key from the secret, seals it and answers only the next step', async () => {
    const answer = await capture(
      event({ Operation: 'field', Field: 'pan', CaptureState: state, CustomerEntry: await encryptAsConnect(PAN_SENTINEL, 'key-1', material.certificatePem) }),
    );
    expect(answer).toMatchObject({ next: 'exp', result: 'valid', reason: '', formId: 'card-payment' });
    expect(JSON.stringify(answer)).not.toContain(PAN_SENTINEL);
    expect(kms).toHaveReceivedCommandWith(GenerateDataKeyCommand, { EncryptionContext: expect.objectContaining({}) });
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('reads the secret once per container, not once per field', async () => {
    await capture(
      event({ Operation: 'field', Field: 'pan', CaptureState: state, CustomerEntry: await encryptAsConnect(PAN_SENTINEL, 'key-1', material.certificatePem) }),
    );
    await capture(
      event({ Operation: 'field', Field: 'pan', CaptureState: state, CustomerEntry: await encryptAsConnect(PAN_SENTINEL, 'key-1', material.certificatePem) }),
    );
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('fails the session (SendTaskFailure FlowKeyFailed) and seals nothing when the flow used another key', async () => {
    const other = await generateFlowKeyMaterial({ now: new Date(), validDays: 60, modulusBits: 2048 });
    const answer = await capture(
      event({ Operation: 'field', Field: 'pan', CaptureState: state, CustomerEntry: await encryptAsConnect(PAN_SENTINEL, 'key-1', other.certificatePem) }),
    );
    expect(answer).toMatchObject({ next: 'done', result: 'failed' });
    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, { taskToken: 'token-1', error: 'FlowKeyFailed' });
    expect(kms).not.toHaveReceivedCommand(GenerateDataKeyCommand);
  });

  it('answers safely (done, unavailable) instead of throwing when the flow passes no capture state', async () => {
    const answer = await capture(event({ Operation: 'field', Field: 'pan', CustomerEntry: 'Timeout' }));
    expect(answer).toEqual({ next: 'done', prompt: 'Secure payment is not available right now. Returning you to your agent.', formId: '', state: '' });
  });

  it('rejects an event that is not a ContactFlowEvent, so the flow takes its error branch', async () => {
    await expect(capture({ hello: 'world' })).rejects.toThrow(/not a ContactFlowEvent/);
  });
});

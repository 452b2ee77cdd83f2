/**
 * A vault for tests: real vault code and real AES-GCM ciphertext, with DynamoDB and KMS replaced by
 * aws-sdk-client-mock fakes. The DynamoDB fake keeps items in a Map and honours the few update shapes
 * and conditions the vault uses; KMS hands out one fixed data key (a fresh copy each time, because
 * the vault wipes the key buffer after use).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { sealField, type VaultDeps } from '../../../lambdas/shared/vault';

export const FIXED_NOW = new Date('2026-11-21T10:00:00Z');
const DATA_KEY = Buffer.alloc(32, 7);
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export type StoredItem = Record<string, unknown>;

function conditionFailed(): Error {
  const err = new Error('The conditional request failed');
  err.name = 'ConditionalCheckFailedException';
  return err;
}

export type FakeVault = ReturnType<typeof fakeVault>;

export function fakeVault(now: () => Date = () => FIXED_NOW) {
  const items = new Map<string, StoredItem>();
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials }));
  const kms = new KMSClient({ region: 'us-east-1', credentials });
  const ddbMock = mockClient(ddb);
  const kmsMock = mockClient(kms);

  kmsMock.on(GenerateDataKeyCommand).callsFake(async () => ({ Plaintext: Uint8Array.from(DATA_KEY), CiphertextBlob: Buffer.from('wrapped-data-key') }));
  kmsMock.on(DecryptCommand).callsFake(async () => ({ Plaintext: Uint8Array.from(DATA_KEY) }));

  ddbMock.on(GetCommand).callsFake(async (input: { Key: { sessionId: string } }) => {
    const item = items.get(input.Key.sessionId);
    return { Item: item === undefined ? undefined : structuredClone(item) };
  });
  ddbMock.on(UpdateCommand).callsFake(async (input: UpdateCommandInput) => {
    const sessionId = String(input.Key?.sessionId);
    const values = input.ExpressionAttributeValues ?? {};
    const expression = input.UpdateExpression ?? '';
    const existing = items.get(sessionId);
    // DynamoDB's UpdateItem creates the item when it does not exist.
    const item: StoredItem = existing ?? { sessionId };
    if (expression.startsWith('SET #f = :sealed')) {
      item[String(input.ExpressionAttributeNames?.['#f'])] = values[':sealed'];
      item.vaultRef ??= values[':ref'];
      item.createdAt ??= values[':now'];
      item.expiresAt ??= values[':exp'];
    } else if (expression === 'SET params = :params') {
      if (existing?.vaultRef !== values[':ref'] || !((existing?.expiresAt as number) > (values[':now'] as number))) throw conditionFailed();
      item.params = values[':params'];
    } else if (expression === 'SET submittedAt = :now') {
      if (existing === undefined || existing.vaultRef !== values[':ref'] || existing.submittedAt !== undefined) throw conditionFailed();
      item.submittedAt = values[':now'];
    } else if (expression === 'REMOVE cvv') {
      delete item.cvv;
    } else {
      throw new Error(`fake vault: unexpected update ${expression}`);
    }
    items.set(sessionId, item);
    return { Attributes: structuredClone(item) };
  });

  const deps: VaultDeps = { ddb, kms, tableName: 'vault', keyArn: 'arn:aws:kms:us-east-1:111122223333:key/test', now };

  return {
    deps,
    items,
    ddbMock,
    kmsMock,
    /** Seals a card for a session and attaches form fields; returns the vault reference. */
    async store(sessionId: string, card: { pan: string; exp: string; cvv?: string }, params?: Record<string, string>): Promise<string> {
      await sealField(deps, sessionId, 'pan', card.pan, 900);
      await sealField(deps, sessionId, 'exp', card.exp, 900);
      const ref = card.cvv === undefined ? String(items.get(sessionId)?.vaultRef) : await sealField(deps, sessionId, 'cvv', card.cvv, 900);
      if (params) {
        const item = items.get(sessionId);
        if (item) item.params = { ...params };
      }
      return ref;
    },
  };
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamo, type DynamoEngine } from '../../../sandbox/engines/dynamodb';
import { startKms, type KmsEngine } from '../../../sandbox/engines/kms';
import { destroy, openCard, sealField, type VaultDeps } from '../../../lambdas/shared/vault';
import { VaultItemNotFoundError } from '../../../lambdas/shared/errors';

const PAN = '4111111111111111';
const EXP = '1230';
const CVV = '737';
const TABLE = 'CardVault';
const credentials = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };

/** Every string stored, plus the bytes of those that are base64: what an attacker with the table could read. */
function readableLeaves(value: unknown, into: Buffer[] = []): Buffer[] {
  if (typeof value === 'string') {
    into.push(Buffer.from(value, 'utf8'));
    if (/^[A-Za-z0-9+/]+={0,2}$/.test(value)) into.push(Buffer.from(value, 'base64'));
  } else if (Array.isArray(value)) value.forEach((v) => readableLeaves(v, into));
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => readableLeaves(v, into));
  return into;
}

describe('the card vault on the local KMS and DynamoDB engines', () => {
  let kmsEngine: KmsEngine;
  let dynamoEngine: DynamoEngine;
  let deps: VaultDeps;

  beforeEach(async () => {
    kmsEngine = await startKms();
    dynamoEngine = await startDynamo({ tables: [{ name: TABLE, partitionKey: 'sessionId' }] });
    deps = {
      kms: new KMSClient({ endpoint: kmsEngine.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 }),
      ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamoEngine.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 }), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      tableName: TABLE,
      keyArn: 'arn:aws:kms:us-east-1:000000000000:key/sandbox-vault',
      now: () => new Date('2026-11-21T10:00:00Z'),
    };
  });

  afterEach(async () => {
    deps.kms.destroy();
    deps.ddb.destroy();
    await kmsEngine.close();
    await dynamoEngine.close();
  });

  it('seals each field through the real SDK clients and opens them again, storing no card digits', async () => {
    // Prepare
    await sealField(deps, 'session-1', 'pan', PAN, 900);
    await sealField(deps, 'session-1', 'exp', EXP, 900);
    const vaultRef = await sealField(deps, 'session-1', 'cvv', CVV, 900);

    // Act
    const opened = await openCard(deps, 'session-1', vaultRef);
    const stored = await dynamoEngine.scanAll(TABLE);

    // Assess
    expect(opened).toEqual({ pan: PAN, exp: EXP, cvv: CVV, params: {} });
    expect(stored).toHaveLength(1);
    const leaves = readableLeaves(stored);
    for (const secret of [PAN, EXP, CVV]) {
      expect(leaves.some((leaf) => leaf.toString('utf8') === secret)).toBe(false);
    }
    expect(leaves.some((leaf) => leaf.includes(Buffer.from(PAN)))).toBe(false);
    expect(JSON.stringify(stored)).not.toContain(PAN);
    expect(kmsEngine.counts()).toEqual({ 'kms:Decrypt': 3, 'kms:GenerateDataKey': 3 });
    expect(dynamoEngine.counts()).toEqual({ 'dynamodb:GetItem': 1, 'dynamodb:UpdateItem': 3 });
  });

  it("refuses to open a session's fields copied under another session id", async () => {
    // Prepare
    await sealField(deps, 'session-1', 'pan', PAN, 900);
    const vaultRef = await sealField(deps, 'session-1', 'exp', EXP, 900);
    const [item] = await dynamoEngine.scanAll(TABLE);
    const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    await deps.ddb.send(new PutItemCommand({ TableName: TABLE, Item: { ...item!, sessionId: { S: 'session-2' } } }));

    // Act
    const attempt = await openCard(deps, 'session-2', vaultRef).catch((err: Error) => err);

    // Assess
    expect(attempt).toMatchObject({ name: 'VaultCryptoError' });
    expect(String((attempt as Error).message)).not.toContain(PAN);
  });

  it("security review 11: the first field's seal cannot create a vault item after Abort destroyed the session's data", async () => {
    // Prepare: Abort ran (the agent cancelled) before the caller's card number was sealed.
    const destroyedBefore = await destroy(deps, 'session-race');

    // Act
    const late = await sealField(deps, 'session-race', 'pan', PAN, 900).catch((err: unknown) => err);
    const stored = await dynamoEngine.scanAll(TABLE);

    // Assess
    expect(destroyedBefore).toBe(false);
    expect(late).toBeInstanceOf(VaultItemNotFoundError);
    expect(stored.every((item) => item.pan === undefined && item.exp === undefined && item.cvv === undefined)).toBe(true);
  });

  it('security review 11: a late duplicate of the first seal after End destroyed the data is refused too', async () => {
    // Prepare
    await sealField(deps, 'session-late', 'pan', PAN, 900);
    const destroyed = await destroy(deps, 'session-late');

    // Act
    const late = await sealField(deps, 'session-late', 'pan', PAN, 900).catch((err: unknown) => err);
    const stored = await dynamoEngine.scanAll(TABLE);

    // Assess
    expect(destroyed).toBe(true);
    expect(late).toBeInstanceOf(VaultItemNotFoundError);
    expect(stored.some((item) => item.pan !== undefined)).toBe(false);
  });
});

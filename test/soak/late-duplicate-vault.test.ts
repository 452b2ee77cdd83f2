/**
 * Regression for a soak finding: the SIP media application service retries an event whose answer missed
 * the deadline, so the handler can seal the last card field again after End or Abort destroyed the vault
 * item. The seal used to re-create the item holding a sealed security code (PCI DSS 3.3.1: no SAD after
 * authorisation); now a seal for a later field lands only in the live item it expects.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynamo, type DynamoEngine } from '../../sandbox/engines/dynamodb';
import { startKms, type KmsEngine } from '../../sandbox/engines/kms';
import { destroy, sealField, type VaultDeps } from '../../lambdas/shared/vault';
import { isTombstone } from '../../lambdas/shared/vault';

const TABLE = 'CardVault';
const credentials = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };

describe('a late duplicate seal after the session ended', () => {
  let kmsEngine: KmsEngine;
  let dynamoEngine: DynamoEngine;
  let deps: VaultDeps;

  beforeEach(async () => {
    kmsEngine = await startKms();
    dynamoEngine = await startDynamo({ tables: [{ name: TABLE, partitionKey: 'sessionId' }] });
    deps = {
      kms: new KMSClient({ endpoint: kmsEngine.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 }),
      ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: dynamoEngine.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 })),
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

  it('is refused and leaves no vault item behind', async () => {
    // Prepare
    const ref = await sealField(deps, 'session-1', 'pan', '4111111111111111', 900);
    await sealField(deps, 'session-1', 'exp', '1230', 900, ref);
    await sealField(deps, 'session-1', 'cvv', '737', 900, ref);
    await destroy(deps, 'session-1');
    // Act
    const late = sealField(deps, 'session-1', 'cvv', '737', 900, ref);
    // Assess
    await expect(late).rejects.toMatchObject({ name: 'VaultItemNotFoundError' });
    // Only End's tombstone is left: it holds no card data.
    expect((await dynamoEngine.scanAll(TABLE)).filter((item) => !isTombstone(item))).toEqual([]);
  });

  it('still seals a later field into the live item it expects', async () => {
    // Prepare
    const ref = await sealField(deps, 'session-2', 'pan', '4111111111111111', 900);
    // Act
    const again = await sealField(deps, 'session-2', 'exp', '1230', 900, ref);
    // Assess
    expect(again).toBe(ref);
    expect(Object.keys((await dynamoEngine.scanAll(TABLE))[0] ?? {}).sort()).toEqual(['createdAt', 'exp', 'expiresAt', 'pan', 'sessionId', 'vaultRef']);
  });
});

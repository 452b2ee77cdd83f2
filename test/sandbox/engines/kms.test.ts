import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DecryptCommand, DescribeKeyCommand, EncryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { startKms, type KmsEngine } from '../../../sandbox/engines/kms';

const KEY_ARN = 'arn:aws:kms:us-east-1:000000000000:key/sandbox-vault';
const SESSION = { sessionId: 'session-1' };

const clientFor = (engine: KmsEngine): KMSClient =>
  new KMSClient({ endpoint: engine.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' }, maxAttempts: 1 });

describe('local KMS engine', () => {
  let engine: KmsEngine;
  let kms: KMSClient;
  const dirs: string[] = [];

  beforeEach(async () => {
    engine = await startKms();
    kms = clientFor(engine);
  });

  afterEach(async () => {
    kms.destroy();
    await engine.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('decrypts a generated data key back to the same plaintext under the same encryption context', async () => {
    // Prepare
    const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: KEY_ARN, KeySpec: 'AES_256', EncryptionContext: SESSION }));

    // Act
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: SESSION }));

    // Assess
    expect(dataKey.Plaintext).toHaveLength(32);
    expect(Buffer.from(opened.Plaintext!)).toEqual(Buffer.from(dataKey.Plaintext!));
    expect(opened.KeyId).toBe(KEY_ARN);
    expect(Buffer.from(dataKey.CiphertextBlob!).includes(Buffer.from(dataKey.Plaintext!))).toBe(false);
  });

  it('refuses to decrypt under a different encryption context with InvalidCiphertextException', async () => {
    // Prepare
    const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: KEY_ARN, KeySpec: 'AES_256', EncryptionContext: SESSION }));

    // Act
    const attempt = kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: { sessionId: 'session-2' } }));

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'InvalidCiphertextException', $metadata: { httpStatusCode: 400 } });
  });

  it('treats the encryption context as a set, whatever the member order', async () => {
    // Prepare
    const sealed = await kms.send(new EncryptCommand({ KeyId: KEY_ARN, Plaintext: Buffer.from('hello'), EncryptionContext: { a: '1', b: '2' } }));

    // Act
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: { b: '2', a: '1' } }));

    // Assess
    expect(Buffer.from(opened.Plaintext!).toString()).toBe('hello');
  });

  it('refuses a KeyId that is not the one the ciphertext names', async () => {
    // Prepare
    const sealed = await kms.send(new EncryptCommand({ KeyId: KEY_ARN, Plaintext: Buffer.from('x') }));

    // Act
    const attempt = kms.send(new DecryptCommand({ KeyId: 'arn:aws:kms:us-east-1:000000000000:key/other', CiphertextBlob: sealed.CiphertextBlob }));

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'IncorrectKeyException' });
  });

  it('answers NotFoundException for a key outside a fixed key set', async () => {
    // Prepare
    const fixed = await startKms({ keys: [KEY_ARN] });
    const client = clientFor(fixed);

    // Act
    const attempt = await client
      .send(new GenerateDataKeyCommand({ KeyId: 'arn:aws:kms:us-east-1:000000000000:key/unknown', KeySpec: 'AES_256' }))
      .catch((err: Error) => err);
    const known = await client.send(new DescribeKeyCommand({ KeyId: 'sandbox-vault' }));

    // Assess
    expect(attempt).toMatchObject({ name: 'NotFoundException' });
    expect(known.KeyMetadata).toMatchObject({ KeyId: 'sandbox-vault', Arn: KEY_ARN, Enabled: true, KeyUsage: 'ENCRYPT_DECRYPT' });
    client.destroy();
    await fixed.close();
  });

  it('answers DisabledException while a key is disabled', async () => {
    // Prepare
    engine.keyArn(KEY_ARN);
    engine.setKeyEnabled(KEY_ARN, false);

    // Act
    const attempt = kms.send(new GenerateDataKeyCommand({ KeyId: KEY_ARN, KeySpec: 'AES_256' }));

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'DisabledException' });
  });

  it('still decrypts after a restart with the same data directory, and keeps the key file private', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'kms-engine-'));
    dirs.push(dataDir);
    const first = await startKms({ dataDir });
    const firstClient = clientFor(first);
    const dataKey = await firstClient.send(new GenerateDataKeyCommand({ KeyId: KEY_ARN, NumberOfBytes: 16, EncryptionContext: SESSION }));
    firstClient.destroy();
    await first.close();

    // Act
    const second = await startKms({ dataDir });
    const secondClient = clientFor(second);
    const opened = await secondClient.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: SESSION }));
    secondClient.destroy();
    await second.close();

    // Assess
    expect(Buffer.from(opened.Plaintext!)).toEqual(Buffer.from(dataKey.Plaintext!));
    expect(statSync(join(dataDir, 'kms-keys.json')).mode & 0o077).toBe(0);
  });

  it('counts requests per operation until reset', async () => {
    // Prepare
    const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: KEY_ARN, KeySpec: 'AES_256' }));
    await kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }));
    await kms.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }));

    // Act
    const counted = engine.counts();
    engine.resetCounts();

    // Assess
    expect(counted).toEqual({ 'kms:Decrypt': 2, 'kms:GenerateDataKey': 1 });
    expect(engine.counts()).toEqual({});
  });

  it('fails exactly the next injected calls of an operation with the injected error', async () => {
    // Prepare
    engine.injectFault('GenerateDataKey', 2, 'KMSInternalException');
    const call = () => kms.send(new GenerateDataKeyCommand({ KeyId: KEY_ARN, KeySpec: 'AES_256' }));

    // Act
    const results = await Promise.allSettled([call(), call()]);
    const third = await call();

    // Assess
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).name : 'ok'))).toEqual(['KMSInternalException', 'KMSInternalException']);
    expect(third.CiphertextBlob).toBeDefined();
    expect(engine.counts()['kms:GenerateDataKey']).toBe(3);
  });

  it('lets the SDK retry through an injected throttle', async () => {
    // Prepare
    const retrying = new KMSClient({
      endpoint: engine.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
      maxAttempts: 3,
      retryMode: 'standard',
    });
    engine.injectFault('kms:Encrypt', 1, 'ThrottlingException');

    // Act
    const sealed = await retrying.send(new EncryptCommand({ KeyId: KEY_ARN, Plaintext: Buffer.from('x') }));

    // Assess
    expect(sealed.CiphertextBlob).toBeDefined();
    expect(engine.counts()['kms:Encrypt']).toBe(2);
    retrying.destroy();
  });
});

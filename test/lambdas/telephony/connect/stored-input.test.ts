import { generateFlowKeyMaterial, type FlowKeyMaterial } from '../../../../lambdas/telephony/connect/flow-key-material';
import {
  decryptStoredInput,
  FlowKeyExpiredError,
  FlowKeyUnreadableError,
  parseFlowKeys,
  StoredInputDecryptError,
} from '../../../../lambdas/telephony/connect/stored-input';
import { encryptAsConnect } from '../../../helpers/connect-crypto';
import { X509Certificate } from 'node:crypto';

const NOW = new Date('2026-11-29T22:00:00Z');
let current: FlowKeyMaterial;
let previous: FlowKeyMaterial;

beforeAll(async () => {
  [current, previous] = await Promise.all([
    generateFlowKeyMaterial({ now: NOW, validDays: 365, modulusBits: 2048 }),
    generateFlowKeyMaterial({ now: new Date(NOW.getTime() - 300 * 86_400_000), validDays: 365, modulusBits: 2048 }),
  ]);
});

const secret = (...slots: Array<[string, FlowKeyMaterial]>): string =>
  JSON.stringify({ keys: slots.map(([keyId, m]) => ({ keyId, privateKeyPem: m.privateKeyPem, certificatePem: m.certificatePem })) });

describe('flow key material', () => {
  it('makes a self-signed certificate for exactly the generated public key, valid for the days asked', () => {
    const cert = new X509Certificate(current.certificatePem);
    expect(cert.publicKey.export({ type: 'spki', format: 'pem' })).toBe(current.publicKeyPem);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(NOW.getTime() + 364 * 86_400_000);
  });

  it('refuses a validity outside 1 to 3650 days', async () => {
    await expect(generateFlowKeyMaterial({ now: NOW, validDays: 0 })).rejects.toThrow(/1 to 3650/);
  });
});

describe('decryptStoredInput', () => {
  it('opens a value Connect encrypted under either key slot while rotating', async () => {
    const keys = parseFlowKeys(secret(['new-key', current], ['old-key', previous]));
    expect(await decryptStoredInput(await encryptAsConnect('1230', 'old-key', previous.certificatePem), keys, NOW)).toBe('1230');
    expect(await decryptStoredInput(await encryptAsConnect('1230', 'new-key', current.certificatePem), keys, NOW)).toBe('1230');
  });

  it('refuses a value whose key name does not match the security key id, even with the right key pair', async () => {
    const keys = parseFlowKeys(secret(['new-key', current]));
    await expect(decryptStoredInput(await encryptAsConnect('1230', 'another-id', current.certificatePem), keys, NOW)).rejects.toThrow(StoredInputDecryptError);
  });

  it.each([
    ['empty', ''],
    ['not base64', '%%%'],
    ['base64 that is not an Encryption SDK message', Buffer.from('hello').toString('base64')],
  ])('refuses %s input with StoredInputDecryptError', async (_l, value) => {
    await expect(decryptStoredInput(value, parseFlowKeys(secret(['k', current])), NOW)).rejects.toThrow(StoredInputDecryptError);
  });

  it('uses no expired key: a value under the expired slot is refused, and with no live slot the error says to rotate', async () => {
    const later = new Date(previous.notAfter.getTime() + 1000);
    const keys = parseFlowKeys(secret(['new-key', current], ['old-key', previous]));
    await expect(decryptStoredInput(await encryptAsConnect('1230', 'old-key', previous.certificatePem), keys, later)).rejects.toThrow(StoredInputDecryptError);
    await expect(decryptStoredInput('AAAA', parseFlowKeys(secret(['old-key', previous])), later)).rejects.toThrow(FlowKeyExpiredError);
  });

  it('names what is wrong with an unusable secret without echoing it', () => {
    expect(() => parseFlowKeys('nope')).toThrow(FlowKeyUnreadableError);
    expect(() => parseFlowKeys(JSON.stringify({ keys: [] }))).toThrow(/lists no keys/);
    expect(() => parseFlowKeys(JSON.stringify({ keys: [{ keyId: 'k', privateKeyPem: 'SECRET-VALUE', notAfter: '2030-01-01' }] }))).toThrow(
      /not a PEM RSA private key/,
    );
    try {
      parseFlowKeys(JSON.stringify({ keys: [{ keyId: 'k', privateKeyPem: 'SECRET-VALUE', notAfter: '2030-01-01' }] }));
    } catch (err) {
      expect((err as Error).message).not.toContain('SECRET-VALUE');
    }
  });
});

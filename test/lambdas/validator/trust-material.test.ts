import { loadTrustMaterial, TrustMaterialError, type TrustReaders } from '../../../lambdas/validator/trust-material';
import { testCertificates, type LocalCertificates } from '../../helpers/tls';

const SETTINGS = { caSecretArn: 'VALIDATION_CA_SECRET_ARN', caParameter: 'VALIDATION_CA_PARAMETER', clientCertSecretArn: 'VALIDATION_CLIENT_CERT_SECRET_ARN' };
const CA_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ca-AbC123';
const CLIENT_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:client-XyZ789';

let certs: LocalCertificates;

beforeAll(async () => {
  certs = await testCertificates();
});

/** Readers over fixed values that count their calls. */
function readers(secrets: Record<string, string | undefined>, parameters: Record<string, string | undefined> = {}) {
  const calls: string[] = [];
  const r: TrustReaders = {
    secretString: async (id) => {
      calls.push(id);
      return secrets[id];
    },
    parameterValue: async (name) => {
      calls.push(name);
      return parameters[name];
    },
  };
  return { r, calls };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('loadTrustMaterial', () => {
  it('reads a CA bundle stored as plain PEM in a secret and a client certificate stored as JSON', async () => {
    // Prepare
    const { r, calls } = readers({ [CA_ARN]: certs.caPem, [CLIENT_ARN]: JSON.stringify({ certPem: certs.clientCertPem, keyPem: certs.clientKeyPem }) });

    // Act
    const material = await loadTrustMaterial({ caSecretArn: CA_ARN, clientCertSecretArn: CLIENT_ARN }, r, SETTINGS);

    // Assess
    expect(material).toEqual({ caPem: certs.caPem, clientCertPem: certs.clientCertPem, clientKeyPem: certs.clientKeyPem });
    expect(calls.sort()).toEqual([CA_ARN, CLIENT_ARN].sort());
  });

  it('reads a CA bundle stored as JSON {"caPem"} in a secret', async () => {
    // Prepare
    const { r } = readers({ [CA_ARN]: JSON.stringify({ caPem: certs.caPem }) });

    // Act
    const material = await loadTrustMaterial({ caSecretArn: CA_ARN }, r, SETTINGS);

    // Assess
    expect(material).toEqual({ caPem: certs.caPem });
  });

  it('reads a CA bundle from an SSM parameter', async () => {
    // Prepare
    const { r, calls } = readers({}, { '/secure-ivr/ca': certs.caPem });

    // Act
    const material = await loadTrustMaterial({ caParameter: '/secure-ivr/ca' }, r, SETTINGS);

    // Assess
    expect(material).toEqual({ caPem: certs.caPem });
    expect(calls).toEqual(['/secure-ivr/ca']);
  });

  it('reads nothing when nothing is configured', async () => {
    // Prepare
    const { r, calls } = readers({});

    // Act
    const material = await loadTrustMaterial({}, r, SETTINGS);

    // Assess
    expect(material).toEqual({});
    expect(calls).toEqual([]);
  });

  it('names the setting and the SDK error name when a secret cannot be read', async () => {
    // Prepare
    const denied = Object.assign(new Error(`User is not authorized to access ${CA_ARN}`), { name: 'AccessDeniedException' });
    const r: TrustReaders = { secretString: async () => Promise.reject(denied), parameterValue: async () => undefined };

    // Act
    const err = await failure(loadTrustMaterial({ caSecretArn: CA_ARN }, r, SETTINGS));

    // Assess
    expect(err).toBeInstanceOf(TrustMaterialError);
    expect(err.message).toContain('VALIDATION_CA_SECRET_ARN');
    expect(err.message).toContain('AccessDeniedException');
    expect(err.message).not.toContain(CA_ARN);
  });

  it.each([
    ['an empty secret', ''],
    ['text that is not PEM', 'hello'],
    ['JSON without caPem', '{"ca":"x"}'],
  ])('refuses a CA secret holding %s', async (_label, value) => {
    // Prepare
    const { r } = readers({ [CA_ARN]: value });

    // Act
    const err = await failure(loadTrustMaterial({ caSecretArn: CA_ARN }, r, SETTINGS));

    // Assess
    expect(err).toBeInstanceOf(TrustMaterialError);
    expect(err.message).toContain('VALIDATION_CA_SECRET_ARN');
  });

  it.each([
    ['not JSON', () => certs.clientCertPem],
    ['no key', () => JSON.stringify({ certPem: certs.clientCertPem })],
    ['the certificate where the key should be', () => JSON.stringify({ certPem: certs.clientCertPem, keyPem: certs.clientCertPem })],
  ])('refuses a client certificate secret with %s, without quoting the key', async (_label, value) => {
    // Prepare
    const { r } = readers({ [CLIENT_ARN]: value() });

    // Act
    const err = await failure(loadTrustMaterial({ clientCertSecretArn: CLIENT_ARN }, r, SETTINGS));

    // Assess
    expect(err).toBeInstanceOf(TrustMaterialError);
    expect(err.message).toContain('VALIDATION_CLIENT_CERT_SECRET_ARN');
    expect(err.message).not.toContain('MII');
  });
});

/**
 * Custom resource: the flow security key. On Create (and on every Update, which is a rotation) it makes a
 * new key pair and self-signed certificate, associates the public key with the Connect instance
 * (AssociateSecurityKey; an instance holds at most two, which is what rotation uses: the new key is
 * associated before CloudFormation deletes the old one), and writes the private key into the flow key
 * secret (PutSecretValue: the previous key stays readable as AWSPREVIOUS for contacts still in the old
 * flow). It returns only public data: the key id, the certificate and its expiry. It never reads the secret.
 */
import type { ConnectClient } from '@aws-sdk/client-connect';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { generateFlowKeyMaterial, type FlowKeyMaterial } from '../flow-key-material';
import { customResourceHandler, instanceIdOf, isNotFound, type CustomResourceEvent, type CustomResourceResult } from './cfn-response';

export interface FlowKeyProperties {
  InstanceArn: string;
  SecretArn: string;
  /** Raise it (cdk context connectFlowKeyGeneration) to rotate the key. */
  Generation: string;
  ValidDays: string;
}

export interface FlowKeyDeps {
  connect: ConnectClient;
  secrets: SecretsManagerClient;
  now(): Date;
  generate(validDays: number, now: Date): Promise<FlowKeyMaterial>;
}

const PHYSICAL = /^flowkey\|([A-Za-z0-9-]+)\|([A-Za-z0-9-]+)$/;

export async function onFlowKeyEvent(event: CustomResourceEvent<FlowKeyProperties>, deps: FlowKeyDeps): Promise<CustomResourceResult> {
  const { AssociateSecurityKeyCommand, DisassociateSecurityKeyCommand } = await import('@aws-sdk/client-connect');
  if (event.RequestType === 'Delete') {
    const match = PHYSICAL.exec(event.PhysicalResourceId ?? '');
    // A Create that failed never associated a key: nothing to remove.
    if (!match) return { PhysicalResourceId: event.PhysicalResourceId ?? 'none' };
    try {
      await deps.connect.send(new DisassociateSecurityKeyCommand({ InstanceId: match[1], AssociationId: match[2] }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return { PhysicalResourceId: event.PhysicalResourceId as string };
  }
  const props = event.ResourceProperties;
  const validDays = Number(props.ValidDays);
  if (!Number.isInteger(validDays) || validDays < 30 || validDays > 3650) throw new Error('ValidDays must be a whole number from 30 to 3650.');
  const instanceId = instanceIdOf(props.InstanceArn);
  const now = deps.now();
  const material = await deps.generate(validDays, now);
  const associated = await deps.connect.send(new AssociateSecurityKeyCommand({ InstanceId: instanceId, Key: material.publicKeyPem }));
  const keyId = associated.AssociationId;
  if (!keyId) throw new Error('Connect returned no association id for the security key.');
  const { PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  try {
    await deps.secrets.send(
      new PutSecretValueCommand({
        SecretId: props.SecretArn,
        SecretString: JSON.stringify({ keys: [{ keyId, privateKeyPem: material.privateKeyPem, certificatePem: material.certificatePem }] }),
      }),
    );
  } catch (err) {
    // Without its private key the new security key is useless: take it back before failing.
    try {
      await deps.connect.send(new DisassociateSecurityKeyCommand({ InstanceId: instanceId, AssociationId: keyId }));
    } catch {
      // Best effort: the failure reported is the secret's.
    }
    throw err;
  }
  return {
    PhysicalResourceId: `flowkey|${instanceId}|${keyId}`,
    Data: {
      KeyId: keyId,
      CertificatePem: material.certificatePem,
      // The same PEM as the inside of a JSON string: the flow's Content embeds it without breaking its JSON.
      CertificatePemJson: JSON.stringify(material.certificatePem).slice(1, -1),
      NotAfter: material.notAfter.toISOString(),
    },
  };
}

let clients: Promise<Pick<FlowKeyDeps, 'connect' | 'secrets'>> | undefined;
const liveClients = (): Promise<Pick<FlowKeyDeps, 'connect' | 'secrets'>> =>
  (clients ??= Promise.all([import('@aws-sdk/client-connect'), import('@aws-sdk/client-secrets-manager')]).then(([c, s]) => ({
    connect: new c.ConnectClient({}),
    secrets: new s.SecretsManagerClient({}),
  })));

export const handler = customResourceHandler<FlowKeyProperties>(async (event) =>
  onFlowKeyEvent(event, { ...(await liveClients()), now: () => new Date(), generate: (validDays, now) => generateFlowKeyMaterial({ now, validDays }) }),
);

import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  AssociateQueueQuickConnectsCommand,
  AssociateSecurityKeyCommand,
  ConnectClient,
  DisassociateQueueQuickConnectsCommand,
  DisassociateSecurityKeyCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-connect';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { X509Certificate } from 'node:crypto';
import { customResourceHandler, type CustomResourceEvent } from '../../../../lambdas/telephony/connect/provisioning/cfn-response';
import { onFlowKeyEvent, type FlowKeyDeps, type FlowKeyProperties } from '../../../../lambdas/telephony/connect/provisioning/flow-key-resource';
import { onQueueQuickConnectsEvent, type QueueQuickConnectsProperties } from '../../../../lambdas/telephony/connect/provisioning/queue-quick-connects';
import { publishDaysToExpiry } from '../../../../lambdas/telephony/connect/provisioning/flow-key-expiry';
import { generateFlowKeyMaterial } from '../../../../lambdas/telephony/connect/flow-key-material';

const INSTANCE_ID = '11111111-2222-3333-4444-555555555555';
const INSTANCE = `arn:aws:connect:us-east-1:123456789012:instance/${INSTANCE_ID}`;
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:flow-key-AbCdEf';
const NOW = new Date('2026-11-29T22:00:00Z');

const connectMock = mockClient(ConnectClient);
const secretsMock = mockClient(SecretsManagerClient);

function event<P>(type: 'Create' | 'Update' | 'Delete', props: P, extra: Partial<CustomResourceEvent<P>> = {}): CustomResourceEvent<P> {
  return {
    RequestType: type,
    ResponseURL: 'https://example.invalid/response',
    StackId: 'stack',
    RequestId: 'req-1',
    LogicalResourceId: 'Res',
    ResourceType: 'Custom::X',
    ResourceProperties: props as P & { ServiceToken?: string },
    ...extra,
  };
}

describe('flow key custom resource', () => {
  const props: FlowKeyProperties = { InstanceArn: INSTANCE, SecretArn: SECRET, Generation: '1', ValidDays: '365' };
  let deps: FlowKeyDeps;
  beforeEach(() => {
    connectMock.reset();
    secretsMock.reset();
    deps = {
      connect: new ConnectClient({ region: 'us-east-1' }),
      secrets: new SecretsManagerClient({ region: 'us-east-1' }),
      now: () => NOW,
      generate: (validDays, now) => generateFlowKeyMaterial({ now, validDays, modulusBits: 2048 }),
    };
  });

  it('on create associates a new public key, writes its private key to the secret and returns only public data', async () => {
    connectMock.on(AssociateSecurityKeyCommand).resolves({ AssociationId: 'assoc-1' });
    const result = await onFlowKeyEvent(event('Create', props), deps);
    expect(result.PhysicalResourceId).toBe(`flowkey|${INSTANCE_ID}|assoc-1`);
    const key = connectMock.commandCalls(AssociateSecurityKeyCommand)[0]!.args[0].input;
    expect(key.InstanceId).toBe(INSTANCE_ID);
    expect(key.Key).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const written = JSON.parse(secretsMock.commandCalls(PutSecretValueCommand)[0]!.args[0].input.SecretString as string);
    expect(written.keys[0].keyId).toBe('assoc-1');
    expect(written.keys[0].privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    // The certificate is for the very key Connect got, and no private key leaves through the response.
    expect(new X509Certificate(result.Data!.CertificatePem!).publicKey.export({ type: 'spki', format: 'pem' })).toBe(key.Key);
    expect(JSON.parse(`"${result.Data!.CertificatePemJson}"`)).toBe(result.Data!.CertificatePem);
    expect(JSON.stringify(result)).not.toContain('PRIVATE KEY');
    expect(new Date(result.Data!.NotAfter!).getTime()).toBeGreaterThan(NOW.getTime() + 364 * 86_400_000);
  });

  it('on update (a rotation) associates a second key under a new physical id, leaving the old one for CloudFormation to delete', async () => {
    connectMock.on(AssociateSecurityKeyCommand).resolves({ AssociationId: 'assoc-2' });
    const result = await onFlowKeyEvent(
      event('Update', { ...props, Generation: '2' }, { PhysicalResourceId: `flowkey|${INSTANCE_ID}|assoc-1`, OldResourceProperties: props }),
      deps,
    );
    expect(result.PhysicalResourceId).toBe(`flowkey|${INSTANCE_ID}|assoc-2`);
    expect(connectMock).not.toHaveReceivedCommand(DisassociateSecurityKeyCommand);
  });

  it('on delete disassociates the key, and treats an already-removed key as done', async () => {
    connectMock.on(DisassociateSecurityKeyCommand).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    const result = await onFlowKeyEvent(event('Delete', props, { PhysicalResourceId: `flowkey|${INSTANCE_ID}|assoc-1` }), deps);
    expect(result.PhysicalResourceId).toBe(`flowkey|${INSTANCE_ID}|assoc-1`);
    expect(connectMock).toHaveReceivedCommandWith(DisassociateSecurityKeyCommand, { InstanceId: INSTANCE_ID, AssociationId: 'assoc-1' });
  });

  it('on delete after a failed create calls nothing (no key was ever associated)', async () => {
    const result = await onFlowKeyEvent(event('Delete', props, { PhysicalResourceId: 'failed-req-0' }), deps);
    expect(result.PhysicalResourceId).toBe('failed-req-0');
    expect(connectMock.calls()).toHaveLength(0);
  });

  it('takes the new key back when the secret cannot be written, and fails', async () => {
    connectMock.on(AssociateSecurityKeyCommand).resolves({ AssociationId: 'assoc-3' });
    secretsMock.on(PutSecretValueCommand).rejects(new Error('AccessDenied'));
    await expect(onFlowKeyEvent(event('Create', props), deps)).rejects.toThrow('AccessDenied');
    expect(connectMock).toHaveReceivedCommandWith(DisassociateSecurityKeyCommand, { AssociationId: 'assoc-3' });
  });

  it('refuses a validity under 30 days before touching Connect', async () => {
    await expect(onFlowKeyEvent(event('Create', { ...props, ValidDays: '7' }), deps)).rejects.toThrow(/30 to 3650/);
    expect(connectMock.calls()).toHaveLength(0);
  });
});

describe('queue quick connects custom resource', () => {
  const QC = `${INSTANCE}/transfer-destination/qc-1`;
  const props: QueueQuickConnectsProperties = { InstanceArn: INSTANCE, QuickConnectId: QC, QueueIds: [`${INSTANCE}/queue/q-1`, 'q-2'] };
  const client = new ConnectClient({ region: 'us-east-1' });
  beforeEach(() => connectMock.reset());

  it('on create shows the quick connect in every named queue', async () => {
    const result = await onQueueQuickConnectsEvent(event('Create', props), client);
    expect(result.PhysicalResourceId).toBe(`qc|${INSTANCE_ID}|qc-1`);
    expect(connectMock.commandCalls(AssociateQueueQuickConnectsCommand).map((c) => c.args[0].input)).toEqual([
      { InstanceId: INSTANCE_ID, QueueId: 'q-1', QuickConnectIds: ['qc-1'] },
      { InstanceId: INSTANCE_ID, QueueId: 'q-2', QuickConnectIds: ['qc-1'] },
    ]);
  });

  it('on update adds new queues and removes dropped ones only', async () => {
    await onQueueQuickConnectsEvent(
      event('Update', { ...props, QueueIds: ['q-2', 'q-3'] }, { PhysicalResourceId: `qc|${INSTANCE_ID}|qc-1`, OldResourceProperties: props }),
      client,
    );
    expect(connectMock.commandCalls(AssociateQueueQuickConnectsCommand).map((c) => c.args[0].input.QueueId)).toEqual(['q-3']);
    expect(connectMock.commandCalls(DisassociateQueueQuickConnectsCommand).map((c) => c.args[0].input.QueueId)).toEqual(['q-1']);
  });

  it('on delete removes it from every queue, ignoring queues already gone', async () => {
    connectMock.on(DisassociateQueueQuickConnectsCommand, { QueueId: 'q-1' }).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    await onQueueQuickConnectsEvent(event('Delete', props, { PhysicalResourceId: `qc|${INSTANCE_ID}|qc-1` }), client);
    expect(connectMock.commandCalls(DisassociateQueueQuickConnectsCommand)).toHaveLength(2);
  });

  it('on delete after a failed create calls nothing', async () => {
    await onQueueQuickConnectsEvent(event('Delete', props, { PhysicalResourceId: 'failed-req-0' }), client);
    expect(connectMock.calls()).toHaveLength(0);
  });

  it('refuses a queue list that is not a list of ids', async () => {
    await expect(onQueueQuickConnectsEvent(event('Create', { ...props, QueueIds: [''] }), client)).rejects.toThrow(/QueueIds/);
  });
});

describe('custom resource protocol', () => {
  it('reports SUCCESS with the physical id and data', async () => {
    const sent: string[] = [];
    await customResourceHandler(
      async () => ({ PhysicalResourceId: 'p-1', Data: { A: 'b' } }),
      async (_url, body) => void sent.push(body),
    )(event('Create', {}));
    expect(JSON.parse(sent[0]!)).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: 'p-1',
      Data: { A: 'b' },
      StackId: 'stack',
      RequestId: 'req-1',
      LogicalResourceId: 'Res',
    });
  });

  it('reports FAILED with the error name and a physical id a later Delete recognises as never created', async () => {
    const sent: string[] = [];
    await customResourceHandler(
      async () => {
        throw new TypeError('boom');
      },
      async (_url, body) => void sent.push(body),
    )(event('Create', {}));
    expect(JSON.parse(sent[0]!)).toMatchObject({ Status: 'FAILED', Reason: 'TypeError: boom', PhysicalResourceId: 'failed-req-1' });
  });
});

describe('flow key expiry check', () => {
  it('publishes the whole days left on the certificate', async () => {
    const cw = mockClient(CloudWatchClient);
    const days = await publishDaysToExpiry(new CloudWatchClient({ region: 'us-east-1' }), '2026-12-29T23:00:00Z', NOW);
    expect(days).toBe(30);
    expect(cw).toHaveReceivedCommandWith(PutMetricDataCommand, {
      Namespace: 'SecureIvr/Connect',
      MetricData: [expect.objectContaining({ MetricName: 'FlowKeyDaysToExpiry', Value: 30 })],
    });
  });

  it('refuses an unreadable expiry with a message that says to re-deploy', async () => {
    await expect(publishDaysToExpiry(new CloudWatchClient({ region: 'us-east-1' }), 'soon', NOW)).rejects.toThrow(/re-deploy/);
  });
});

/**
 * Custom resource: the Secure Input quick connect shown to agents in their queues. CloudFormation has no
 * queue–quick-connect association, so this calls AssociateQueueQuickConnects for each queue named in the
 * configuration, and on Update adds the new queues and removes the dropped ones; Delete removes them all.
 */
import type { ConnectClient } from '@aws-sdk/client-connect';
import { customResourceHandler, instanceIdOf, isNotFound, queueIdOf, type CustomResourceEvent, type CustomResourceResult } from './cfn-response';

export interface QueueQuickConnectsProperties {
  InstanceArn: string;
  /** The quick connect's ARN or id. */
  QuickConnectId: string;
  /** Queue ARNs or ids. */
  QueueIds: string[];
}

const PHYSICAL = /^qc\|([A-Za-z0-9-]+)\|([A-Za-z0-9-]+)$/;

/** The id inside a quick connect ARN (…/transfer-destination/ID), or the id itself. */
export function quickConnectIdOf(arnOrId: string): string {
  return /\/transfer-destination\/([A-Za-z0-9-]+)$/.exec(arnOrId)?.[1] ?? arnOrId;
}

async function associate(connect: ConnectClient, instanceId: string, quickConnectId: string, queues: string[]): Promise<void> {
  const { AssociateQueueQuickConnectsCommand } = await import('@aws-sdk/client-connect');
  for (const q of queues)
    await connect.send(new AssociateQueueQuickConnectsCommand({ InstanceId: instanceId, QueueId: queueIdOf(q), QuickConnectIds: [quickConnectId] }));
}

async function disassociate(connect: ConnectClient, instanceId: string, quickConnectId: string, queues: string[]): Promise<void> {
  const { DisassociateQueueQuickConnectsCommand } = await import('@aws-sdk/client-connect');
  for (const q of queues) {
    try {
      await connect.send(new DisassociateQueueQuickConnectsCommand({ InstanceId: instanceId, QueueId: queueIdOf(q), QuickConnectIds: [quickConnectId] }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export async function onQueueQuickConnectsEvent(
  event: CustomResourceEvent<QueueQuickConnectsProperties>,
  connect: ConnectClient,
): Promise<CustomResourceResult> {
  const props = event.ResourceProperties;
  if (event.RequestType === 'Delete') {
    const match = PHYSICAL.exec(event.PhysicalResourceId ?? '');
    if (!match) return { PhysicalResourceId: event.PhysicalResourceId ?? 'none' };
    await disassociate(connect, match[1] as string, match[2] as string, props.QueueIds ?? []);
    return { PhysicalResourceId: event.PhysicalResourceId as string };
  }
  if (!Array.isArray(props.QueueIds) || props.QueueIds.some((q) => typeof q !== 'string' || q === ''))
    throw new Error('QueueIds must be a list of queue ARNs or ids.');
  const instanceId = instanceIdOf(props.InstanceArn);
  const quickConnectId = quickConnectIdOf(props.QuickConnectId);
  const physical = `qc|${instanceId}|${quickConnectId}`;
  if (event.RequestType === 'Update' && event.PhysicalResourceId === physical) {
    const before = new Set((event.OldResourceProperties?.QueueIds ?? []).map(queueIdOf));
    const after = new Set(props.QueueIds.map(queueIdOf));
    await associate(
      connect,
      instanceId,
      quickConnectId,
      [...after].filter((q) => !before.has(q)),
    );
    await disassociate(
      connect,
      instanceId,
      quickConnectId,
      [...before].filter((q) => !after.has(q)),
    );
    return { PhysicalResourceId: physical };
  }
  // Create, or an Update that moved to another instance or quick connect (CloudFormation then deletes the old one).
  await associate(connect, instanceId, quickConnectId, props.QueueIds);
  return { PhysicalResourceId: physical };
}

let client: Promise<ConnectClient> | undefined;
export const handler = customResourceHandler<QueueQuickConnectsProperties>(async (event) =>
  onQueueQuickConnectsEvent(event, await (client ??= import('@aws-sdk/client-connect').then((c) => new c.ConnectClient({})))),
);

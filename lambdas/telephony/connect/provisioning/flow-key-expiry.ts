/**
 * Scheduled daily: publishes how many days the flow key certificate has left (SecureIvr/Connect
 * FlowKeyDaysToExpiry), so an alarm fires well before Connect's flow stops accepting card input.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

export const METRIC_NAMESPACE = 'SecureIvr/Connect';
export const METRIC_NAME = 'FlowKeyDaysToExpiry';

export function daysToExpiry(notAfterIso: string, now: Date): number {
  const notAfter = new Date(notAfterIso).getTime();
  if (Number.isNaN(notAfter)) throw new Error('FLOW_KEY_NOT_AFTER is not a date; re-deploy the stack.');
  return Math.floor((notAfter - now.getTime()) / 86_400_000);
}

export async function publishDaysToExpiry(cloudwatch: CloudWatchClient, notAfterIso: string, now: Date): Promise<number> {
  const { PutMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
  const days = daysToExpiry(notAfterIso, now);
  await cloudwatch.send(
    new PutMetricDataCommand({ Namespace: METRIC_NAMESPACE, MetricData: [{ MetricName: METRIC_NAME, Value: days, Unit: 'Count', Timestamp: now }] }),
  );
  return days;
}

let client: Promise<CloudWatchClient> | undefined;
export const handler = async (): Promise<{ days: number }> => {
  const cw = await (client ??= import('@aws-sdk/client-cloudwatch').then((c) => new c.CloudWatchClient({})));
  return { days: await publishDaysToExpiry(cw, process.env.FLOW_KEY_NOT_AFTER ?? '', new Date()) };
};

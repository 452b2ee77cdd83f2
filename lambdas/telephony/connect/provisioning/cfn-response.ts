/**
 * The CloudFormation custom resource protocol for the Connect provisioning functions: the event types,
 * and a wrapper that runs a resource's pure `onEvent` and PUTs the result to the pre-signed response URL.
 * The functions are the resources' service tokens directly (no provider framework); a failure is reported
 * as FAILED with the error's name and message (messages here never hold secrets or key material).
 */
import { request } from 'node:https';

export interface CustomResourceEvent<P = Record<string, unknown>> {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  ResourceType: string;
  PhysicalResourceId?: string;
  ResourceProperties: P & { ServiceToken?: string };
  OldResourceProperties?: P;
}

export interface CustomResourceResult {
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

function put(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => ((res.statusCode ?? 500) < 300 ? resolve() : reject(new Error(`CloudFormation refused the response (${res.statusCode})`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `onEvent` and reports SUCCESS or FAILED to CloudFormation; never throws. */
export function customResourceHandler<P>(
  onEvent: (event: CustomResourceEvent<P>) => Promise<CustomResourceResult>,
  send: (url: string, body: string) => Promise<void> = put,
) {
  return async (event: CustomResourceEvent<P>): Promise<void> => {
    let body: Record<string, unknown>;
    try {
      const result = await onEvent(event);
      body = { Status: 'SUCCESS', PhysicalResourceId: result.PhysicalResourceId, Data: result.Data ?? {} };
    } catch (err) {
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : 'UnknownError';
      // A failed Create still needs a physical id; Delete of it is then a no-op (see each resource).
      body = { Status: 'FAILED', Reason: reason.slice(0, 500), PhysicalResourceId: event.PhysicalResourceId ?? `failed-${event.RequestId}` };
    }
    await send(event.ResponseURL, JSON.stringify({ ...body, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId }));
  };
}

/** The instance id inside an instance ARN (arn:aws:connect:region:account:instance/ID). */
export function instanceIdOf(instanceArnOrId: string): string {
  const match = /instance\/([A-Za-z0-9-]+)$/.exec(instanceArnOrId);
  return match?.[1] ?? instanceArnOrId;
}

/** The queue id inside a queue ARN (…:instance/ID/queue/QUEUE), or the id itself. */
export function queueIdOf(queueArnOrId: string): string {
  const match = /\/queue\/([A-Za-z0-9-]+)$/.exec(queueArnOrId);
  return match?.[1] ?? queueArnOrId;
}

export const isNotFound = (err: unknown): boolean => err instanceof Error && err.name === 'ResourceNotFoundException';

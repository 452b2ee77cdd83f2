/**
 * Configuration for the engines' own SDK clients (table setup, TTL sweeps, no-leak reads). Their
 * requests carry a marker header so they are neither counted as product requests nor hit by
 * injected faults: AWS's TTL process, for one, is not a request the product pays for.
 */
import type { Pluggable } from '@smithy/types';

export const INTERNAL_HEADER = 'x-sandbox-internal';

/** Add to an engine's own client with `client.middlewareStack.use(internalMarker)`. */
export const internalMarker: Pluggable<any, any> = {
  applyToStack: (stack) => {
    stack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> } | undefined;
        if (request?.headers) request.headers[INTERNAL_HEADER] = '1';
        return next(args);
      },
      { step: 'build', name: 'sandboxInternalMarker' },
    );
  },
};

export interface InternalClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  maxAttempts: number;
}

export function internalClientConfig(endpoint: string): InternalClientConfig {
  return {
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'sandbox-internal', secretAccessKey: 'sandbox-internal' },
    // Their reads and conditional deletes are safe to repeat; a busy machine can reset a pooled socket
    // (the SDK reports it as "read ECONNRESET"), which one more attempt absorbs instead of failing a test.
    maxAttempts: 3,
  };
}

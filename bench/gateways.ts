/**
 * The payment gateway connectors against their local HTTPS fakes (sandbox/fakes): the round trip of one
 * `authorize()` (an approved test card, a new TLS connection each time, as the connectors do), and the
 * bundle size of the reference validation service with every SDK and of each connector alone.
 */
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SANDBOX_APPROVED_CARDS, startSandboxGateway } from '../sandbox/fakes/sandbox-gateway';
import { makeLocalCertificates } from '../sandbox/tls/certificates';
import { bundleLambda } from './lambda-bundles';

const KINDS = ['stripe', 'adyen', 'braintree', 'generic'] as const;
const WARM_UP = 20;
const CALLS = 200;

export interface GatewayRoundTrip {
  kind: (typeof KINDS)[number];
  calls: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

export interface GatewayBench {
  roundTrips: GatewayRoundTrip[];
  bundles: Array<{ name: string; bytes: number }>;
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

export async function benchGateways(): Promise<GatewayBench> {
  const tls = await makeLocalCertificates();
  const roundTrips: GatewayRoundTrip[] = [];
  for (const kind of KINDS) {
    const started = await startSandboxGateway(kind, tls);
    try {
      const gateway = started.gateway;
      if (gateway === undefined) throw new Error(`no connector for ${kind}`);
      const card = SANDBOX_APPROVED_CARDS[kind];
      const times: number[] = [];
      for (let i = 0; i < WARM_UP + CALLS; i += 1) {
        const t0 = performance.now();
        const result = await gateway.authorize({ ...card, amount: '10.00', currency: 'EUR', reference: `bench-${kind}-${process.pid}-${i}` });
        const ms = performance.now() - t0;
        if (!result.approved) throw new Error(`${kind}: the fake declined the approved test card (${result.code})`);
        if (i >= WARM_UP) times.push(ms);
      }
      times.sort((a, b) => a - b);
      roundTrips.push({ kind, calls: CALLS, p50Ms: quantile(times, 0.5), p95Ms: quantile(times, 0.95), p99Ms: quantile(times, 0.99) });
    } finally {
      await started.close();
    }
  }

  const outDir = mkdtempSync(join(tmpdir(), 'gateway-bundles-'));
  const entries: Array<[string, string]> = [
    ['reference service (all four)', 'lambdas/validation-service/handler.ts'],
    ...KINDS.map((k): [string, string] => [`${k} connector alone`, `lambdas/validation-service/gateways/${k}.ts`]),
  ];
  const bundles: Array<{ name: string; bytes: number }> = [];
  for (const [name, entry] of entries) {
    const file = await bundleLambda(entry, outDir, name.replace(/[^a-z]+/g, '-'));
    bundles.push({ name, bytes: statSync(file).size });
  }
  return { roundTrips, bundles };
}

/**
 * The payment gateway the sandbox's reference validation service runs: the TestGateway, or one of the
 * real connectors (Stripe, Adyen, Braintree, generic) built by the same selection code the Lambda uses,
 * from a sandbox-only credentials secret, and pointed at that gateway's local HTTPS fake. So
 * `npm start -- --gateway adyen` runs the Adyen SDK end to end and the outcome details show the fake's
 * payment id. Test mode stays on: each gateway's own test cards are the ones that go through.
 */
import https from 'node:https';
import type { PaymentGateway } from '../../lambdas/validation-service/gateway';
import { GATEWAY_ENV, type GatewayKind } from '../../lambdas/validation-service/gateways/env';
import { selectGateway } from '../../lambdas/validation-service/gateways/select';
import { startAdyenFake } from './adyen-fake';
import { startBraintreeFake } from './braintree-fake';
import { startGenericPayFake } from './generic-pay-fake';
import type { RecordingServer } from './https-recorder';
import { startStripeFake } from './stripe-fake';

/** Made-up credentials the fakes accept; never real ones. */
const SANDBOX_SECRETS = {
  stripe: { apiKey: 'sk_test_secureivrsandbox' },
  adyen: { apiKey: 'sandbox-adyen-api-key', merchantAccount: 'SecureIvrSandboxMOTO', environment: 'TEST' },
  braintree: { merchantId: 'sandboxmerchant', publicKey: 'sandboxpublic', privateKey: 'sandboxprivate', environment: 'sandbox' },
  generic: { baseUrl: 'https://127.0.0.1/pay', username: 'sandbox', password: 'sandbox-password' },
} as const;

/** A card each gateway's test mode accepts and its fake approves (with its expiry and security code). */
export const SANDBOX_APPROVED_CARDS: Readonly<Record<Exclude<GatewayKind, 'test'>, { pan: string; exp: string; cvv: string }>> = {
  stripe: { pan: '4242424242424242', exp: '1230', cvv: '737' },
  adyen: { pan: '4111111145551142', exp: '0330', cvv: '737' },
  braintree: { pan: '4111111111111111', exp: '1230', cvv: '737' },
  generic: { pan: '4111111111111111', exp: '1230', cvv: '737' },
};

export interface SandboxGateway {
  kind: GatewayKind;
  gateway: PaymentGateway | undefined;
  /** The fake gateway's server (its recorded requests), absent for the test gateway. */
  fake: RecordingServer | undefined;
  close(): Promise<void>;
}

/** Starts the fake for `kind` on an ephemeral port with the given server certificate, and the connector pointed at it. */
export async function startSandboxGateway(kind: GatewayKind, tls: { keyPem: string; certPem: string; caPem: string }): Promise<SandboxGateway> {
  if (kind === 'test') return { kind, gateway: undefined, fake: undefined, close: async () => {} };
  const fake: RecordingServer =
    kind === 'stripe'
      ? await startStripeFake(tls)
      : kind === 'adyen'
        ? await startAdyenFake(tls, SANDBOX_SECRETS.adyen.apiKey)
        : kind === 'braintree'
          ? await startBraintreeFake(tls, SANDBOX_SECRETS.braintree)
          : await startGenericPayFake(tls, SANDBOX_SECRETS.generic);
  const agent = new https.Agent({ ca: tls.caPem, keepAlive: false });
  const secret = kind === 'generic' ? { ...SANDBOX_SECRETS.generic, baseUrl: `${fake.origin}/pay` } : SANDBOX_SECRETS[kind];
  try {
    const gateway = await selectGateway(
      { [GATEWAY_ENV.kind]: kind, [GATEWAY_ENV.secretName]: `sandbox/${kind}`, [GATEWAY_ENV.testMode]: 'true' },
      { readSecret: async () => JSON.stringify(secret), endpoint: { host: '127.0.0.1', port: fake.port, agent } },
    );
    return {
      kind,
      gateway,
      fake,
      close: async () => {
        agent.destroy();
        await fake.close();
      },
    };
  } catch (err) {
    agent.destroy();
    await fake.close();
    throw err;
  }
}

/**
 * Environment names and gateway kinds shared by the reference service (select.ts) and its CDK construct,
 * kept free of SDK imports so synthesis does not load the gateways' SDKs.
 */
export const GATEWAY_KINDS = ['test', 'stripe', 'adyen', 'braintree', 'generic'] as const;
export type GatewayKind = (typeof GATEWAY_KINDS)[number];

export const GATEWAY_ENV = { kind: 'VALIDATION_GATEWAY', secretName: 'VALIDATION_GATEWAY_SECRET_NAME', testMode: 'VALIDATION_GATEWAY_TEST_MODE' } as const;

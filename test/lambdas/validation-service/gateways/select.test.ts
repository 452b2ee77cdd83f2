import { TestGateway } from '../../../../lambdas/validation-service/gateway';
import { AdyenGateway } from '../../../../lambdas/validation-service/gateways/adyen';
import { BraintreeGateway } from '../../../../lambdas/validation-service/gateways/braintree';
import { GenericGateway } from '../../../../lambdas/validation-service/gateways/generic';
import { GatewaySelectionError, selectGateway } from '../../../../lambdas/validation-service/gateways/select';
import { StripeGateway } from '../../../../lambdas/validation-service/gateways/stripe';

const secrets = (value: string) => ({ readSecret: jest.fn(async () => value) });

describe('selectGateway', () => {
  it('defaults to the TestGateway and reads no secret', async () => {
    const deps = secrets('{}');
    expect(await selectGateway({}, deps)).toBeInstanceOf(TestGateway);
    expect(deps.readSecret).not.toHaveBeenCalled();
  });

  it('builds the Stripe connector from the named secret', async () => {
    const deps = secrets(JSON.stringify({ apiKey: 'sk_test_abc' }));
    expect(await selectGateway({ VALIDATION_GATEWAY: 'stripe', VALIDATION_GATEWAY_SECRET_NAME: 'secure-ivr/stripe' }, deps)).toBeInstanceOf(StripeGateway);
    expect(deps.readSecret).toHaveBeenCalledWith('secure-ivr/stripe');
  });

  it('builds the generic connector from the named secret', async () => {
    const deps = secrets(JSON.stringify({ baseUrl: 'https://pay.example/api', username: 'u', password: 'p' }));
    expect(await selectGateway({ VALIDATION_GATEWAY: 'generic', VALIDATION_GATEWAY_SECRET_NAME: 's' }, deps)).toBeInstanceOf(GenericGateway);
  });

  it('builds the Adyen connector from the named secret', async () => {
    const deps = secrets(JSON.stringify({ apiKey: 'AQEkey', merchantAccount: 'ShopMOTO', environment: 'TEST' }));
    expect(await selectGateway({ VALIDATION_GATEWAY: 'adyen', VALIDATION_GATEWAY_SECRET_NAME: 's' }, deps)).toBeInstanceOf(AdyenGateway);
  });

  it('builds the Braintree connector from the named secret', async () => {
    const deps = secrets(
      JSON.stringify({ merchantId: 'm1', publicKey: 'pub', privateKey: 'priv', environment: 'sandbox', merchantAccountIds: { USD: 'shop_usd' } }),
    );
    expect(await selectGateway({ VALIDATION_GATEWAY: 'braintree', VALIDATION_GATEWAY_SECRET_NAME: 's' }, deps)).toBeInstanceOf(BraintreeGateway);
  });

  it.each([
    [{ VALIDATION_GATEWAY: 'worldpay' }, '{}', 'VALIDATION_GATEWAY must be one of test, stripe, adyen, braintree, generic'],
    [
      { VALIDATION_GATEWAY: 'adyen', VALIDATION_GATEWAY_SECRET_NAME: 's' },
      '{"apiKey":"sk_test_abc","environment":"TEST"}',
      'the adyen secret needs a non-empty string field "merchantAccount"',
    ],
    [
      { VALIDATION_GATEWAY: 'adyen', VALIDATION_GATEWAY_SECRET_NAME: 's' },
      '{"apiKey":"sk_test_abc","merchantAccount":"M","environment":"live"}',
      'the adyen secret field "environment" must be TEST or LIVE',
    ],
    [
      { VALIDATION_GATEWAY: 'braintree', VALIDATION_GATEWAY_SECRET_NAME: 's' },
      '{"merchantId":"m","publicKey":"p","privateKey":"sk_test_abc"}',
      'the braintree secret needs a non-empty string field "environment"',
    ],
    [
      { VALIDATION_GATEWAY: 'braintree', VALIDATION_GATEWAY_SECRET_NAME: 's' },
      '{"merchantId":"m","publicKey":"p","privateKey":"sk_test_abc","environment":"sandbox","merchantAccountIds":["x"]}',
      'the braintree secret field "merchantAccountIds" must be an object of strings',
    ],
    [{ VALIDATION_GATEWAY: 'stripe' }, '{}', 'VALIDATION_GATEWAY_SECRET_NAME is required for the stripe gateway'],
    [{ VALIDATION_GATEWAY: 'stripe', VALIDATION_GATEWAY_SECRET_NAME: 's' }, 'sk_test_abc', 'the stripe secret must be a JSON object'],
    [
      { VALIDATION_GATEWAY: 'stripe', VALIDATION_GATEWAY_SECRET_NAME: 's' },
      '{"key":"sk_test_abc"}',
      'the stripe secret needs a non-empty string field "apiKey"',
    ],
    [
      { VALIDATION_GATEWAY: 'generic', VALIDATION_GATEWAY_SECRET_NAME: 's', VALIDATION_GATEWAY_TEST_MODE: 'no' },
      '{}',
      'VALIDATION_GATEWAY_TEST_MODE must be true or false',
    ],
  ])('refuses %j with secret %s, never echoing the secret', async (env, secret, problem) => {
    const outcome = selectGateway(env, secrets(secret));
    await expect(outcome).rejects.toThrow(new GatewaySelectionError(problem));
    await expect(outcome).rejects.not.toThrow(/sk_test_abc/);
  });
});

import type { AuthorizationRequest, AuthorizationResult, PaymentGateway } from '../../../lambdas/validation-service/gateway';
import { handleValidationRequest } from '../../../lambdas/validation-service/service';
import { buildSubmission } from '../../../lambdas/validator/xml-contract';

/** Records what the service asked the gateway for. */
class RecordingGateway implements PaymentGateway {
  public readonly requests: AuthorizationRequest[] = [];
  public async authorize(req: AuthorizationRequest): Promise<AuthorizationResult> {
    this.requests.push(req);
    return { approved: true, code: '00', message: 'ok' };
  }
}

const submit = (gateway: PaymentGateway, amountParams: Array<{ name: string; value: string }>, amountName?: string) =>
  handleValidationRequest(
    {
      method: 'POST',
      headers: { 'content-type': 'application/xml', 'idempotency-key': 'ref-1' },
      body: buildSubmission([{ name: 'card number', value: '4111111111111111' }, { name: 'expiry date', value: '1230' }, ...amountParams]),
    },
    gateway,
    amountName === undefined ? {} : { amountName },
  );

describe('the amount the reference service hands its gateway', () => {
  it.each([
    [[{ name: 'amount', value: '1.00' }], '1.00'],
    [[{ name: 'charge amount', value: '14.55' }], '14.55'],
    [[{ name: 'payment amount', value: '3.10' }], '3.10'],
    [
      [
        { name: 'amount', value: '1.00' },
        { name: 'charge amount', value: '2.00' },
      ],
      '1.00',
    ],
    [[{ name: 'customer account', value: '343453422' }], undefined],
  ])('with the default name, params %j give amount %s', async (params, expected) => {
    // Arrange
    const gateway = new RecordingGateway();

    // Act
    await submit(gateway, params);

    // Assess
    expect(gateway.requests).toHaveLength(1);
    expect(gateway.requests[0]?.amount).toBe(expected);
  });

  it('a configured amount name is the only one read', async () => {
    // Arrange
    const gateway = new RecordingGateway();

    // Act
    await submit(gateway, [{ name: 'charge amount', value: '14.55' }], 'total');

    // Assess
    expect(gateway.requests[0]?.amount).toBeUndefined();
  });
});

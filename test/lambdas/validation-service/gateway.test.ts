import { GatewayUnavailableError, TEST_CARDS, TestGateway } from '../../../lambdas/validation-service/gateway';
import { luhnValid } from '../../../lambdas/shared/card/card-rules';

const NOW = new Date('2026-11-21T10:00:00Z');

function gateway(): TestGateway {
  return new TestGateway({ now: () => NOW, authorizationCode: () => '123456' });
}

describe('TestGateway', () => {
  it('lists only Luhn-valid test card numbers', () => {
    // Act
    const invalid = Object.keys(TEST_CARDS).filter((pan) => !luhnValid(pan));

    // Assess
    expect(invalid).toEqual([]);
  });

  it.each([
    ['4111111111111111', '737', { approved: true, code: '00', message: 'authorisation code 123456' }],
    ['5555555555554444', '737', { approved: true, code: '00', message: 'authorisation code 123456' }],
    ['378282246310005', '1234', { approved: true, code: '00', message: 'authorisation code 123456' }],
    ['4000000000000002', '737', { approved: false, code: '05', message: 'do not honour' }],
    ['4000000000009995', '737', { approved: false, code: '51', message: 'insufficient funds' }],
    ['4000000000000069', '737', { approved: false, code: '54', message: 'expired card' }],
    ['4000000000000127', '737', { approved: false, code: '82', message: 'incorrect security code' }],
  ])('gives card %s its documented result', async (pan, cvv, expected) => {
    // Act
    const result = await gateway().authorize({ pan, exp: '1230', cvv, reference: 'r' });

    // Assess
    expect(result).toEqual(expected);
  });

  it('fails as unavailable for the gateway-error card', async () => {
    // Act
    const act = gateway().authorize({ pan: '4000000000000119', exp: '1230', cvv: '737', reference: 'r' });

    // Assess
    await expect(act).rejects.toBeInstanceOf(GatewayUnavailableError);
  });

  it.each([
    ['a past expiry', { exp: '1025' }, 'expired card'],
    ['an impossible month', { exp: '1330' }, 'invalid expiry date'],
    ['a three-digit code on Amex', { pan: '378282246310005', cvv: '737' }, 'incorrect security code'],
    ['a number failing Luhn', { pan: '4111111111111112' }, 'invalid card number'],
    ['a malformed amount', { amount: '12,50' }, 'invalid amount'],
  ])('declines %s', async (_label, change, message) => {
    // Act
    const result = await gateway().authorize({ pan: '4111111111111111', exp: '1230', cvv: '737', reference: 'r', ...change });

    // Assess
    expect(result).toMatchObject({ approved: false, message });
  });

  it('accepts the current month as not yet expired', async () => {
    // Act
    const result = await gateway().authorize({ pan: '4111111111111111', exp: '1126', reference: 'r' });

    // Assess
    expect(result.approved).toBe(true);
  });

  it('counts every authorization it is asked for', async () => {
    // Prepare
    const g = gateway();

    // Act
    await g.authorize({ pan: '4111111111111111', exp: '1230', reference: 'a' });
    await g.authorize({ pan: '4000000000000002', exp: '1230', reference: 'b' });

    // Assess
    expect(g.authorizations).toBe(2);
  });
});

import { isInteractionId, isSessionId, isUserId } from '../../../../lambdas/shared/session/ids';

const UUID = '7f0c2a4e-1b3d-4c5e-9f60-718293a4b5c6';

describe('identifier formats', () => {
  it('takes a Chime transaction id and a Connect call id (connect: and the agent contact id) as interaction ids', () => {
    expect(isInteractionId(UUID)).toBe(true);
    expect(isInteractionId(`connect:${UUID}`)).toBe(true);
  });

  it.each([
    ['a dotted card number', '4111.1111.1111.1111'],
    ['a Connect prefix with a card number', 'connect:4111111111111111'],
    ['another prefix', `chime:${UUID}`],
    ['free text', 'call-1'],
    ['a non-string', 42],
  ])('refuses %s as an interaction id', (_label, id) => {
    expect(isInteractionId(id)).toBe(false);
  });

  it('takes only UUIDs as session ids and refuses user names holding a card number', () => {
    expect(isSessionId(UUID)).toBe(true);
    expect(isSessionId(`connect:${UUID}`)).toBe(false);
    expect(isUserId('alice@example.com')).toBe(true);
    expect(isUserId('4111-1111-1111-1111')).toBe(false);
  });
});

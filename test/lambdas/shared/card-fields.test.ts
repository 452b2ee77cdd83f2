import { CARD_FIELD_LABELS, CARD_FIELDS, isCardField } from '../../../lambdas/shared/card/card-fields';

describe('card fields', () => {
  it('are card number, expiry and security code, in the order the IVR asks for them', () => {
    expect(CARD_FIELDS).toEqual(['pan', 'exp', 'cvv']);
    expect(CARD_FIELDS.map((f) => CARD_FIELD_LABELS[f])).toEqual(['Card number', 'Expiry date', 'Security code']);
  });

  it('recognise only the three field names', () => {
    expect(CARD_FIELDS.every(isCardField)).toBe(true);
    expect(['PAN', 'card', '', undefined, 1].some(isCardField)).toBe(false);
  });
});

import { DEFAULT_CARD_FIELD_NAMES, parseCardFieldNames } from '../../../lambdas/validator/card-field-names';

describe('parseCardFieldNames', () => {
  it('gives the default names when the setting is absent or blank', () => {
    // Act
    const results = [parseCardFieldNames(undefined), parseCardFieldNames('  ')];

    // Assess
    expect(results).toEqual([
      { ok: true, names: DEFAULT_CARD_FIELD_NAMES },
      { ok: true, names: DEFAULT_CARD_FIELD_NAMES },
    ]);
  });

  it('overrides only the names given', () => {
    // Act
    const result = parseCardFieldNames('{"exp":"ExpiryMMYY"}');

    // Assess
    expect(result).toEqual({ ok: true, names: { pan: 'card number', exp: 'ExpiryMMYY', cvv: 'security code' } });
  });

  it.each([
    ['not JSON', '{pan:1}'],
    ['an array', '["a"]'],
    ['an unknown key', '{"iban":"x"}'],
    ['an empty name', '{"pan":""}'],
    ['a name with a control character', '{"pan":"card\\nnumber"}'],
    ['two fields under one name', '{"pan":"n","exp":"n"}'],
  ])('reports a problem for %s', (_label, raw) => {
    // Act
    const result = parseCardFieldNames(raw);

    // Assess
    expect(result).toEqual({ ok: false, problem: expect.stringContaining('CARD_FIELD_NAMES') });
  });
});

import { maskEchoedCardData } from '../../../lambdas/validator/details-guard';

const CARD = { pan: '4111111111111111', exp: '1230', cvv: '737' };
const FULL_WIDTH = '４１１１１１１１１１１１１１１１';
const ARABIC_INDIC = '٤١١١١١١١١١١١١١١١';

/** Every digit of the text, in any script or as a character reference, as ASCII: what a reader could recover. */
function recoverableDigits(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#([0-9]+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .normalize('NFKC')
    .replace(/\p{Nd}/gu, (d) => {
      const cp = d.codePointAt(0) as number;
      let zero = cp;
      while (/\p{Nd}/u.test(String.fromCodePoint(zero - 1)) && cp - zero < 9) zero -= 1;
      return String((cp - zero) % 10);
    })
    .replace(/\D/g, '');
}

describe('security review 1: the validator masks card data a validation service echoes in disguise', () => {
  it.each([
    ['dots between the groups', 'Approved for 4111.1111.1111.1111'],
    ['slashes between the groups', 'Approved for 4111/1111/1111/1111'],
    ['double spaces between the groups', 'Approved for 4111  1111  1111  1111'],
    ['no-break spaces between the groups', 'Approved for 4111\u00a01111\u00a01111\u00a01111'],
    ['zero-width spaces between the digits', `Approved for ${CARD.pan.split('').join('\u200b')}`],
    ['full-width digits', `Approved for ${FULL_WIDTH}`],
    ['Arabic-Indic digits', `Approved for ${ARABIC_INDIC}`],
    [
      'decimal character references',
      `Approved for ${CARD.pan
        .split('')
        .map((d) => `&#${d.charCodeAt(0)};`)
        .join('')}`,
    ],
    [
      'hexadecimal character references',
      `Approved for ${CARD.pan
        .split('')
        .map((d) => `&#x${d.charCodeAt(0).toString(16)};`)
        .join('')}`,
    ],
    ['digits mixed with letters between the groups', 'card 4111 x 1111 x 1111 x 1111 ok'],
  ])('masks the card number echoed with %s', (_label, details) => {
    // Act
    const guarded = maskEchoedCardData(details, CARD);

    // Assess
    expect(recoverableDigits(guarded.text)).not.toContain('111111');
    expect(guarded.masked).toBeGreaterThanOrEqual(1);
    expect(guarded.text.slice(0, 4)).toBe(details.slice(0, 4));
  });

  it.each([
    ['six consecutive digits of the card number', 'Card ending 111111 approved', '111111'],
    ['the middle of the card number with dots', 'ref 1111.1111 ok', '11111111'],
    ['the expiry as MM/YY', 'Approved, expires 12/30', '1230'],
    ['the expiry as MM/YYYY', 'Approved, expires 12/2030', '122030'],
    ['the security code', 'Approved, CVV 737 matched', '737'],
    ['the security code in full-width digits', 'Approved, CVV ７３７ matched', '737'],
    ['the security code spelt with spaces', 'Approved, CVV 7 3 7', '737'],
  ])('masks %s', (_label, details, secret) => {
    // Act
    const guarded = maskEchoedCardData(details, CARD);

    // Assess
    expect(recoverableDigits(guarded.text)).not.toContain(secret);
    expect(guarded.masked).toBe(1);
  });

  it('masks another card number that passes the Luhn check, whatever its separators', () => {
    // Act
    const guarded = maskEchoedCardData('Use 5555.5555.5555.4444 instead', CARD);

    // Assess
    expect(recoverableDigits(guarded.text)).toBe('');
    expect(guarded).toEqual({ text: 'Use ####.####.####.#### instead', masked: 1 });
  });

  it('masks a branded Luhn-valid card number inside a longer run of digits', () => {
    // Act
    const guarded = maskEchoedCardData('ref 20261122 4000 0566 5566 5556 end', CARD);

    // Assess
    expect(recoverableDigits(guarded.text)).not.toContain('4000056655665556');
    expect(guarded.masked).toBe(1);
  });

  it('leaves ordinary details alone and reports nothing masked', () => {
    // Act
    const guarded = maskEchoedCardData('Approved - authorisation code 015158 on 2026-11-22', CARD);

    // Assess
    expect(guarded).toEqual({ text: 'Approved - authorisation code 015158 on 2026-11-22', masked: 0 });
  });

  it.each([
    ['an authorization code that holds the security code', 'Approved - auth 573712'],
    ['an authorization code that holds the expiry', 'Approved - auth 812309'],
    ['a reference that starts with the security code', 'Approved - ref 737001 ok'],
  ])('leaves %s alone: the expiry and the security code count only as whole digit groups', (_label, details) => {
    // Act
    const guarded = maskEchoedCardData(details, CARD);

    // Assess
    expect(guarded).toEqual({ text: details, masked: 0 });
  });

  it('counts every separate echo and keeps the words around them', () => {
    // Act
    const guarded = maskEchoedCardData('pan 4111-1111-1111-1111 exp 12/30 cvv 737', CARD);

    // Assess
    expect(guarded.masked).toBe(3);
    expect(guarded.text).toBe('pan ################### exp ##### cvv ###');
  });

  it('masks an Amex echo with a four-digit security code and no security code at all', () => {
    // Act
    const withCode = maskEchoedCardData('3782 822463 10005 / 7373', { pan: '378282246310005', exp: '0128', cvv: '7373' });
    const withoutCode = maskEchoedCardData('3782 822463 10005', { pan: '378282246310005', exp: '0128' });

    // Assess
    expect(recoverableDigits(withCode.text)).toBe('');
    expect(recoverableDigits(withoutCode.text)).toBe('');
  });

  it('masks the card digits hidden in a large reply of spaced ones', () => {
    // Prepare
    const details = '1 '.repeat(30_000);

    // Act
    const guarded = maskEchoedCardData(details, CARD);

    // Assess
    expect(recoverableDigits(guarded.text)).not.toContain('111111');
  });
});

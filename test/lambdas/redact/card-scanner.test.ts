import { findCardNumbers, maskCardNumbers } from '../../../lambdas/redact/card-scanner';

const SENTINEL = '4111111111111111';

describe('default card filter', () => {
  const masked: Array<[string, string, string]> = [
    ['16 digits with spaces', 'card 4111 1111 1111 1111 thanks', 'card #### #### #### #### thanks'],
    ['16 digits with dashes', 'card 4111-1111-1111-1111.', 'card ####-####-####-####.'],
    ['16 digits without separators', 'pan=4111111111111111;', 'pan=################;'],
    ['Amex 4-6-5', 'amex 3782 822463 10005 ok', 'amex #### ###### ##### ok'],
    ['Amex 15 digits plain', '378282246310005', '###############'],
    ['19-digit card 4-4-4-4-3', 'card 6011 0009 9013 9424 017 fin', 'card #### #### #### #### ### fin'],
    ['mixed separators and double spaces', '4111  1111-1111 1111', '####  ####-#### ####'],
    ['no-break space and en dash separators', 'x 4111\u00a01111\u20131111\u00a01111 y', 'x ####\u00a0####\u2013####\u00a0#### y'],
    ['a card glued to letters', 'card#4111111111111111exp', 'card#################exp'],
    ['two cards on one line', '4111111111111111 and 5500 0000 0000 0004', '################ and #### #### #### ####'],
    ['a card followed by its security code', '4111-1111-1111-1111 737', '####-####-####-#### 737'],
    ['a card after an order number', 'order 1234 4111111111111111', 'order 1234 ################'],
    ['13-digit Visa', 'old visa 4222222222222', 'old visa #############'],
    ['8-8 grouping', '41111111 11111111', '######## ########'],
  ];
  it.each(masked)('masks %s, keeping separators and surrounding text', (_name, input, expected) => {
    // Act
    const result = maskCardNumbers(input);
    // Assess
    expect(result.text).toBe(expected);
    expect(result.count).toBeGreaterThan(0);
  });

  const kept: Array<[string, string]> = [
    ['an order number that fails Luhn', 'order 1234567812345678 shipped'],
    ['a 13-digit reference that fails Luhn', 'ref 1234567890123'],
    ['a phone number', 'call +1 (555) 867-5309 or 555-867-5309'],
    ['an international phone number', '+44 20 7946 0958'],
    ['dates and times', '2026-11-20 10:03:05 and 20/11/2026'],
    ['a 20-digit run even though its first 16 digits pass Luhn', '41111111111111110000'],
    ['an IBAN', 'IBAN GB82 WEST 1234 5698 7654 32'],
    ['a digit run longer than 19', '12345678901234567890123'],
    ['short groups that add up to 16 digits', '41 11 11 11 11 11 11 11'],
    ['a card number split across two lines', 'card 4111 1111\n1111 1111'],
    ['a card number with dots', '4111.1111.1111.1111'],
    ['already masked text', '#### #### #### ####'],
  ];
  it.each(kept)('keeps %s', (_name, input) => {
    // Act
    const result = maskCardNumbers(input);
    // Assess
    expect(result.text).toBe(input);
    expect(result.count).toBe(0);
  });

  it('finds a card at the very start and the very end of the text', () => {
    // Prepare
    const spans: Array<[number, number]> = [];
    const text = `${SENTINEL} middle ${SENTINEL}`;
    // Act
    findCardNumbers(text, ({ start, end }) => spans.push([start, end]));
    // Assess
    expect(spans).toEqual([
      [0, 16],
      [text.length - 16, text.length],
    ]);
  });

  it('finds a card at every offset inside filler text (the sampling stride misses nothing)', () => {
    for (let offset = 0; offset < 30; offset += 1) {
      // Prepare
      const text = `${'x'.repeat(offset)}${SENTINEL}${'y'.repeat(30 - offset)}`;
      // Act
      const result = maskCardNumbers(text);
      // Assess
      expect(result.text).toBe(`${'x'.repeat(offset)}${'#'.repeat(16)}${'y'.repeat(30 - offset)}`);
    }
  });

  it('keeps 5 MB of digits as they are (no card inside an endless run) and returns', () => {
    // Prepare
    const text = '4'.repeat(5 * 1024 * 1024);
    // Act
    const result = maskCardNumbers(text);
    // Assess
    expect(result.count).toBe(0);
    expect(result.text).toBe(text);
  });

  it('masks every card in 5 MB of back-to-back card numbers separated by single spaces', () => {
    // Prepare: one endless run of 4-digit groups: windows of four groups are cards
    const group = '4111 1111 1111 1111 ';
    const text = group.repeat(Math.floor((5 * 1024 * 1024) / group.length));
    // Act
    const result = maskCardNumbers(text);
    // Assess
    expect(result.text).not.toMatch(/\d/);
    expect(result.count).toBe(text.length / group.length);
  });

  it('handles 5 MB of adversarial separators and single digits without masking anything', () => {
    // Prepare
    const text = '1 - '.repeat(1024 * 1024) + '1';
    // Act
    const result = maskCardNumbers(text);
    // Assess
    expect(result.count).toBe(0);
  });
});

import { cleanDetails, RESULT_DETAILS_MAX_CHARS, resultLine } from '../../../../lambdas/shared/session/result-line';

const PAN = '4111111111111111';

describe('resultLine', () => {
  it('joins transaction id, outcome and details with | and ends with a newline', () => {
    // Act
    const line = resultLine('T-1', 'accepted', 'Approved - authorisation code 123456');

    // Assess
    expect(line).toBe('T-1|accepted|Approved - authorisation code 123456\n');
  });

  it('removes every |, CR and LF from the details so the line keeps three fields', () => {
    // Act
    const line = resultLine('T-1', 'declined', 'a|b\r\nc|d\n');

    // Assess
    expect(line).toBe('T-1|declined|abcd\n');
    expect(line.split('|')).toHaveLength(3);
    expect(line.indexOf('\n')).toBe(line.length - 1);
  });

  it('removes | and line breaks from the transaction id too', () => {
    expect(resultLine('T|1\n', 'aborted', 'x')).toBe('T1|aborted|x\n');
  });

  it('caps the details at 200 characters', () => {
    // Act
    const line = resultLine('T-1', 'declined', 'x'.repeat(1000));

    // Assess
    expect(RESULT_DETAILS_MAX_CHARS).toBe(200);
    expect(line).toBe(`T-1|declined|${'x'.repeat(200)}\n`);
  });
});

describe('cleanDetails', () => {
  it('removes card-number-like digit runs a service might echo', () => {
    // Act
    const details = cleanDetails(`Declined card ${PAN} and 4111 1111 1111 1111, code 123456`);

    // Assess
    expect(details).not.toMatch(/\d{12}/);
    expect(details).not.toContain('4111 1111');
    expect(details).toContain('code 123456');
  });

  it('turns other control characters into spaces and collapses runs of white space', () => {
    expect(cleanDetails('  Approved\t\u0007  code   42  ')).toBe('Approved code 42');
  });

  it('cuts on a character boundary, never inside a surrogate pair', () => {
    // Prepare: 199 letters then an emoji (two UTF-16 code units) then more text
    const details = `${'a'.repeat(199)}\u{1F600}tail`;

    // Act
    const clean = cleanDetails(details);

    // Assess
    expect(Array.from(clean)).toHaveLength(200);
    expect(clean.endsWith('\u{1F600}')).toBe(true);
  });

  it('is idempotent, so a stage may clean details another stage already cleaned', () => {
    const once = cleanDetails(`ok|auth ${PAN}\r\n  thanks`);
    expect(cleanDetails(once)).toBe(once);
  });

  it.each([
    ['full-width digits', 'Declined card ４１１１ １１１１ １１１１ １１１１ sorry'],
    ['dots', 'Declined card 4111.1111.1111.1111 sorry'],
    ['zero-width spaces between groups', 'Declined card 4111\u200b1111\u200b1111\u200b1111 sorry'],
    ['the line separator between groups', 'Declined card 4111|1111|1111|1111 sorry'],
  ])('masks a card number a service echoes in disguise (%s), on the result line too', (_label, details) => {
    // Act
    const line = resultLine('T-1', 'declined', details);
    // Assess
    expect(line).toMatch(/^T-1\|declined\|Declined card [#[].* sorry\n$/);
    expect(line.replace(/[^0-9０-９]/g, '')).toBe('1');
  });

  it.each([
    ['full-width digits, one digit wrong (fails Luhn)', 'card ４１１１ １１１１ １１１１ １１１２ echoed'],
    ['dots, cut to 13 digits', 'card 4111.1111.1111.1 echoed'],
    ['zero-width spaces, one digit wrong', 'card 4111\u200b1111\u200b1111\u200b1112 echoed'],
  ])('removes a long digit run that is not a valid card number either (%s): a mangled echo is still card data', (_label, details) => {
    expect(cleanDetails(details)).toBe('card [number removed] echoed');
  });

  it('keeps shorter numbers a reply needs: amounts, codes, references under 12 digits', () => {
    expect(cleanDetails('Approved 14.55 USD, auth 123456, ref 12345678901')).toBe('Approved 14.55 USD, auth 123456, ref 12345678901');
  });
});

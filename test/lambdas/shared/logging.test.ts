import { createLogger, maskDigitRuns, redactingReplacer } from '../../../lambdas/shared/logging';

describe('log redaction', () => {
  it.each([
    ['4111111111111111', '[card …1111]'],
    ['pan 4111 1111 1111 1111 ok', 'pan [card …1111] ok'],
    ['card=4111-1111-1111-1111;', 'card=[card …1111];'],
    ['378282246310005', '[card …0005]'],
  ])('masks a card-length digit run in %j', (text, masked) => {
    expect(maskDigitRuns(text)).toBe(masked);
  });

  it('leaves call, transaction and session ids (UUIDs) alone, even when they hold long digit groups', () => {
    const id = '7ab1d2c3-0000-4000-8000-000000000001';
    expect(maskDigitRuns(`call ${id} ended`)).toBe(`call ${id} ended`);
  });

  it('still masks a card number that follows a UUID', () => {
    expect(maskDigitRuns('7ab1d2c3-0000-4000-8000-000000000001 4111111111111111')).toBe('7ab1d2c3-0000-4000-8000-000000000001 [card …1111]');
  });

  it('keeps short numbers such as amounts, counts and last four digits', () => {
    expect(maskDigitRuns('amount 14.55, attempt 3, last4 1111, sequence 12345678901')).toBe('amount 14.55, attempt 3, last4 1111, sequence 12345678901');
  });

  it.each([
    ['dots', 'pan 4111.1111.1111.1111 ok'],
    ['slashes', 'pan 4111/1111/1111/1111 ok'],
    ['no-break spaces', 'pan 4111\u00a01111\u00a01111\u00a01111 ok'],
    ['zero-width spaces', `pan ${'4111111111111111'.split('').join('\u200b')} ok`],
    ['full-width digits', 'pan ４１１１１１１１１１１１１１１１ ok'],
    [
      'character references',
      `pan ${'4111111111111111'
        .split('')
        .map((d) => `&#${d.charCodeAt(0)};`)
        .join('')} ok`,
    ],
  ])('security review 2: masks a card number in disguise (%s) to its last four', (_label, text) => {
    // Act
    const masked = maskDigitRuns(text);

    // Assess
    expect(masked).toBe('pan [card …1111] ok');
  });

  it('redacts values under keys that can carry digits, whatever they hold', () => {
    expect(redactingReplacer('ReceivedDigits', '123')).toBe('[REDACTED]');
    expect(redactingReplacer('cvv', 737)).toBe('[REDACTED]');
    expect(redactingReplacer('stage', 'capturing')).toBe('capturing');
  });

  it.each([
    ['full-width digits and ideographic spaces', 'pan ４１１１\u3000１１１１\u3000１１１１\u3000１１１２ ok'],
    ['dots', 'pan 4111.1111.1111.1112 ok'],
    ['zero-width spaces between groups', 'pan 4111\u200b1111\u200b1111\u200b1112 ok'],
    ['dash and spaces', 'pan 4111 - 1111 - 1111 - 1112 ok'],
  ])('masks a long digit run in disguise (%s) even when it fails Luhn: keyed with one digit wrong, it is still card data', (_label, text) => {
    expect(maskDigitRuns(text)).toBe('pan [card …1112] ok');
  });

  it('masks a disguised card number in a whole log line the logger writes', () => {
    // Prepare
    const lines: string[] = [];
    const logger = createLogger('mask-test');
    const original = process.stdout.write;
    process.stdout.write = ((chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      // Act
      logger.info('gateway said ４１１１ １１１１ １１１１ １１１１', {
        note: 'retry 4111.1111.1111.1111',
        other: `x ${'4111111111111111'.split('').join('\u200b')}`,
      });
    } finally {
      process.stdout.write = original;
    }
    // Assess
    const written = lines.join('');
    expect(written).toContain('"message":"gateway said [card …1111]"');
    expect(written).toContain('"note":"retry [card …1111]"');
    expect(written).toContain('"other":"x [card …1111]"');
    expect(written).not.toMatch(/4111|４１１１/);
  });
});

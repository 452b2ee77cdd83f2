import { cardContextDigits, isFillerSeparator, isSpaceToken, mayHoldKeyword } from '../../../lambdas/redact/card-context';
import { HtmlRedactionStream } from '../../../lambdas/redact/html-redactor';
import { MimeRedactionStream } from '../../../lambdas/redact/mime/mime-redactor';
import { CARD_CONTEXT_ID, DEFAULT_FILTER_ID, loadRedactionConfig } from '../../../lambdas/redact/redaction-config';
import { LineRedactionStream, Redactor, type RedactionTally } from '../../../lambdas/redact/redactor';

const redactor = new Redactor(loadRedactionConfig({ defaultFilter: { enabled: true }, additionalRules: [] }));

function redact(text: string, r = redactor): { out: string; tally: RedactionTally } {
  const tally: RedactionTally = {};
  return { out: r.redact(text, tally), tally };
}

describe('the rest of the card: expiry date and security code next to a card number', () => {
  const masked: Array<[string, string, string]> = [
    ['exp with a slash', 'card 4111 1111 1111 1111 exp 12/30 thanks', 'card #### #### #### #### exp ##/## thanks'],
    ['cvv keyword', '4111111111111111 cvv 737', '################ cvv ###'],
    ['"security code is"', 'my card 5555-5555-5555-4444, security code is 737.', 'my card ####-####-####-####, security code is ###.'],
    ['expiry and code without keywords', '4111 1111 1111 1111 12/30 737', '#### #### #### #### ##/## ###'],
    ['a bare code right after the card', '4111 1111 1111 1111, 737', '#### #### #### ####, ###'],
    ['MMYY after a keyword', '4111 1111 1111 1111 expires 1230 cvc 123', '#### #### #### #### expires #### cvc ###'],
    ['four-digit Amex code', 'amex 3782 822463 10005 cid 1234', 'amex #### ###### ##### cid ####'],
    ['expiry with a four-digit year', '4111111111111111 valid thru 12/2030', '################ valid thru ##/####'],
    ['keyword before the card', 'cvv 737 and card 4111 1111 1111 1111', 'cvv ### and card #### #### #### ####'],
    ['full-width expiry', '４１１１ １１１１ １１１１ １１１１ exp １２/３０', '#### #### #### #### exp ##/##'],
  ];
  it.each(masked)('masks %s', (_name, input, expected) => {
    // Act
    const { out, tally } = redact(input);
    // Assess
    expect(out).toBe(expected);
    expect(tally[DEFAULT_FILTER_ID]).toBe(1);
    expect(tally[CARD_CONTEXT_ID]).toBeGreaterThan(0);
  });

  const kept: Array<[string, string]> = [
    ['a lone three-digit code', 'the door code is 737'],
    ['a code keyword with no card', 'cvv 737 please'],
    ['an expiry with no card', 'exp 12/30'],
    ['a number after other words', '4111 1111 1111 1111 was charged for order 737'.replace('4111 1111 1111 1111', 'the card')],
  ];
  it.each(kept)('keeps %s', (_name, input) => {
    // Act
    const { out, tally } = redact(input);
    // Assess
    expect(out).toBe(input);
    expect(tally).toEqual({});
  });

  it('leaves a number after unrelated words and on the next line alone', () => {
    // Act / Assess
    expect(redact('4111 1111 1111 1111 was used for order 737').out).toBe('#### #### #### #### was used for order 737');
    expect(redact('4111 1111 1111 1111\n737 items in stock').out).toBe('#### #### #### ####\n737 items in stock');
  });

  it('can be switched off in the configuration, leaving the card filter on', () => {
    // Prepare
    const off = new Redactor(loadRedactionConfig({ defaultFilter: { enabled: true, expiryAndSecurityCode: false }, additionalRules: [] }));
    // Act
    const { out, tally } = redact('4111 1111 1111 1111 exp 12/30 cvv 737', off);
    // Assess
    expect(out).toBe('#### #### #### #### exp 12/30 cvv 737');
    expect(tally).toEqual({ [DEFAULT_FILTER_ID]: 1 });
    expect(off.ruleIds()).toEqual([DEFAULT_FILTER_ID]);
  });

  it('refuses a non-boolean switch and unknown default-filter settings', () => {
    // Act / Assess
    expect(() => loadRedactionConfig({ defaultFilter: { enabled: true, expiryAndSecurityCode: 'no' }, additionalRules: [] })).toThrow(
      /expiryAndSecurityCode must be true or false/,
    );
    expect(() => loadRedactionConfig({ defaultFilter: { enabled: true, cvv: true }, additionalRules: [] })).toThrow(/unknown defaultFilter setting/);
    expect(() => loadRedactionConfig({ defaultFilter: { enabled: true }, conversation: { windowSeconds: -5 }, additionalRules: [] })).toThrow(
      /conversation must be/,
    );
  });
});

describe('HTML and email: numbers across tags, references and line breaks', () => {
  const html = (input: string): string => {
    const stream = new HtmlRedactionStream(redactor, {});
    return stream.write(input) + stream.end();
  };

  const cases: Array<[string, string, string]> = [
    ['<b> inside', '<p>card 4111 <b>1111 1111</b> 1111</p>', '<p>card #### <b>#### ####</b> ####</p>'],
    [
      '<span> with attributes',
      '<div>4111<span style="color:#123456">1111</span>1111 1111</div>',
      '<div>####<span style="color:#123456">####</span>#### ####</div>',
    ],
    ['<wbr>', '4111<wbr>1111<wbr>1111<wbr>1111', '####<wbr>####<wbr>####<wbr>####'],
    ['character references for digits', '<p>&#52;&#x31;11 1111 1111 1111</p>', '<p>####&nbsp;#### #### ####</p>'.replace('&nbsp;', ' ')],
    ['<br> line break', '<p>4111 1111<br>\n1111 1111</p>', '<p>#### ####<br>\n#### ####</p>'],
    ['a number split over two paragraphs', '<p>4111 1111</p><p>1111 1111</p>', '<p>#### ####</p><p>#### ####</p>'],
  ];
  it.each(cases)('masks a number with %s and keeps the markup', (_name, input, expected) => {
    expect(html(input)).toBe(expected);
  });

  it('keeps numbers in separate table cells apart', () => {
    // Prepare
    const input = '<td>4111 1111</td><td>1111 1111</td>';
    // Act / Assess
    expect(html(input)).toBe(input);
  });

  it('gives the same HTML output whatever the chunk size', () => {
    // Prepare
    const input = '<p>Hi</p><p>card 4111 <b>1111</b> 1111<br>1111 exp 12/30</p><table><td>5555</td></table>'.repeat(20);
    const whole = html(input);
    for (const size of [1, 3, 7, 64]) {
      const stream = new HtmlRedactionStream(redactor, {});
      let out = '';
      for (let i = 0; i < input.length; i += size) out += stream.write(input.slice(i, i + size));
      // Act / Assess
      expect(out + stream.end()).toBe(whole);
    }
    expect(whole).not.toContain('1111');
  });

  it('finds a number split over lines in a chunked plain-text email body, whatever the chunk size', () => {
    // Prepare
    const body = 'Hello,\r\nmy card is 4111 1111\r\n1111 1111\r\n> 5555 5555\r\n> 5555 4444\r\nthanks 2026\r\n12 items\r\n';
    for (const size of [1, 2, 5, 16, 1024]) {
      const tally: RedactionTally = {};
      const stream = new LineRedactionStream(redactor, tally);
      let out = '';
      for (let i = 0; i < body.length; i += size) out += stream.write(body.slice(i, i + size));
      out += stream.end();
      // Assess
      expect(out).toBe('Hello,\r\nmy card is #### ####\r\n#### ####\r\n> #### ####\r\n> #### ####\r\nthanks 2026\r\n12 items\r\n');
      expect(tally[DEFAULT_FILTER_ID]).toBe(2);
    }
  });

  it('finds a number split over lines of a quoted-printable email part', () => {
    // Prepare
    const eml = [
      'From: a@example.com',
      'To: b@example.com',
      'Subject: pay',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'card 4111 1111',
      '1111 1111 thanks',
      '',
    ].join('\r\n');
    const stream = new MimeRedactionStream(redactor, {});
    // Act
    const out = Buffer.concat([stream.write(Buffer.from(eml)), stream.end()]).toString('utf8');
    // Assess
    expect(out).toContain('card #### ####\r\n#### #### thanks');
  });
});

describe('expiry and security code on the lines after the card (emails, plain text)', () => {
  const masked: Array<[string, string, string]> = [
    ['exp and cvv on the next two lines', 'card 4111 1111 1111 1111\nexp 12/30\ncvv 737', 'card #### #### #### ####\nexp ##/##\ncvv ###'],
    ['CRLF lines', 'card 4111 1111 1111 1111\r\nexp 12/30\r\ncvv 737\r\n', 'card #### #### #### ####\r\nexp ##/##\r\ncvv ###\r\n'],
    ['bare expiry and code, each alone on its line', '4111 1111 1111 1111\n12/30\n737\nthanks', '#### #### #### ####\n##/##\n###\nthanks'],
    [
      'quoted reply lines',
      '> card 4111 1111 1111 1111\n> expires 12/30\n> security code 737',
      '> card #### #### #### ####\n> expires ##/##\n> security code ###',
    ],
    ['a keyword line after words on the card line', '4111 1111 1111 1111 is the card I used\ncvv: 737', '#### #### #### #### is the card I used\ncvv: ###'],
  ];
  it.each(masked)('masks %s', (_name, input, expected) => {
    // Act
    const { out, tally } = redact(input);
    // Assess
    expect(out).toBe(expected);
    expect(tally[CARD_CONTEXT_ID]).toBeGreaterThan(0);
  });

  const kept: Array<[string, string]> = [
    ['a code three lines below the card', 'card 4111 1111 1111 1111\nthanks\nbye\ncvv 737'],
    ['a bare number with words on its line', '4111 1111 1111 1111\n737 items in stock'],
    ['a code far from any card', `card 4111 1111 1111 1111\n${'x'.repeat(200)}\ncvv 737`],
    ['a code after another number', 'card 4111 1111 1111 1111\norder 55012\ncvv 737'],
  ];
  it.each(kept)('keeps %s', (_name, input) => {
    // Act
    const { out } = redact(input);
    // Assess: only the card's own digits were masked
    expect(out).toBe(input.replace('4111 1111 1111 1111', '#### #### #### ####'));
  });

  it('can be switched off for the following lines too', () => {
    // Prepare
    const off = new Redactor(loadRedactionConfig({ defaultFilter: { enabled: true, expiryAndSecurityCode: false }, additionalRules: [] }));
    // Act / Assess
    expect(redact('card 4111 1111 1111 1111\nexp 12/30\ncvv 737', off).out).toBe('card #### #### #### ####\nexp 12/30\ncvv 737');
  });

  it('masks them in an HTML email body across <br> and paragraphs', () => {
    // Prepare
    const stream = new HtmlRedactionStream(redactor, {});
    // Act
    const out = stream.write('<p>card 4111 1111 1111 1111<br>exp 12/30</p><p>cvv 737</p><p>room 404</p>') + stream.end();
    // Assess
    expect(out).toBe('<p>card #### #### #### ####<br>exp ##/##</p><p>cvv ###</p><p>room 404</p>');
  });

  it('masks them in a MIME text part (quoted-printable) on the lines after the card', () => {
    // Prepare
    const eml = [
      'From: a@example.com',
      'Subject: pay',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'card 4111 1111 1111 1111',
      'exp 12/30',
      'cvv 737',
      'room 404',
      '',
    ].join('\r\n');
    const stream = new MimeRedactionStream(redactor, {});
    // Act
    const out = Buffer.concat([stream.write(Buffer.from(eml)), stream.end()]).toString('utf8');
    // Assess
    expect(out).toContain('card #### #### #### ####\r\nexp ##/##\r\ncvv ###\r\nroom 404');
  });

  it('gives the same output and counts whatever the chunk boundaries, split at every offset', () => {
    // Prepare: cards near the ends of lines, their expiry and code on the following lines, near misses after
    const text = [
      'hello 2026-11-30',
      'card 4111 1111 1111 1111',
      'exp 12/30',
      'cvv 737',
      'room 404',
      'my card 5555 5555',
      '5555 4444',
      '12/31',
      '123',
      'order 55012',
      'cvv 999 with no card near',
      '3782 822463 10005 cid 1234',
      '',
    ].join('\n');
    const wholeTally: RedactionTally = {};
    const whole = redactor.redact(text, wholeTally);
    expect(whole).toContain('exp ##/##\ncvv ###\nroom 404');
    expect(whole).toContain('##/##\n###\norder 55012\ncvv 999');
    for (let a = 1; a < text.length; a += 1) {
      for (const b of [a + 1, a + 7, text.length]) {
        const tally: RedactionTally = {};
        const stream = new LineRedactionStream(redactor, tally);
        // Act: three chunks, cut at a and b
        const out = stream.write(text.slice(0, a)) + stream.write(text.slice(a, b)) + stream.write(text.slice(b)) + stream.end();
        // Assess
        expect(out).toBe(whole);
        expect(tally).toEqual(wholeTally);
      }
    }
  });
});

describe('separator tests of the context tokeniser (lookups that replaced regular expressions)', () => {
  it('answers as /^\\s$/u and /^[\\s,;:/.\\-–—]$/u do for every one-unit character, and false for longer tokens', () => {
    // Act
    const differ: number[] = [];
    for (let c = 0; c <= 0xffff; c += 1) {
      const v = String.fromCharCode(c);
      if (isSpaceToken(v) !== /^\s$/u.test(v) || isFillerSeparator(v) !== /^[\s,;:/.\-\u2013\u2014]$/u.test(v)) differ.push(c);
    }
    // Assess
    expect(differ).toEqual([]);
    expect(isSpaceToken(' ')).toBe(true);
    expect(isSpaceToken('  ')).toBe(false);
    expect(isFillerSeparator('\u{1d7ce}')).toBe(false);
    expect(isFillerSeparator('')).toBe(false);
  });
});

describe('the quick keyword test before the window in front of a card', () => {
  const keywords = [
    'exp',
    'expiry',
    'valid',
    'thru',
    'until',
    'ablauf',
    'gültig',
    'vence',
    'mmyy',
    'date',
    'cvv',
    'cvc2',
    'cid',
    'security',
    'code',
    'pin',
    'back',
  ];

  it('says a keyword may be there whatever its case, glued to other letters or after other scripts', () => {
    // Act / Assess
    for (const word of keywords) {
      for (const cased of [word, word.toUpperCase(), word[0]?.toUpperCase() + word.slice(1)]) {
        expect(mayHoldKeyword(`Σ ok ${cased}: `)).toBe(true);
        expect(mayHoldKeyword(`x${cased}y`)).toBe(true);
      }
    }
    expect(mayHoldKeyword('BAC\u212A 123 ')).toBe(true); // KELVIN SIGN lower-cases to k
    expect(mayHoldKeyword('[2026-11-14 13:13:31] agent: Can I pay the remaining balance now? My card is ')).toBe(false);
  });

  it('changes nothing: a code announced before the card is still masked, and a window without keywords masks nothing', () => {
    // Prepare
    const withKeyword = 'CVV 737 then card 4111 1111 1111 1111';
    const without = 'order 737 then card 4111 1111 1111 1111';
    // Act
    const found = cardContextDigits(withKeyword, withKeyword.indexOf('4111'), withKeyword.length);
    const none = cardContextDigits(without, without.indexOf('4111'), without.length);
    // Assess
    expect(found.items).toBe(1);
    expect(found.ranges).toEqual([
      [4, 5],
      [5, 6],
      [6, 7],
    ]);
    expect(none).toEqual({ ranges: [], items: 0 });
  });
});

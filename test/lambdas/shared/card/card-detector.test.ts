import {
  containsCardNumber,
  digitValue,
  findCardNumberDetails,
  findCardNumbers,
  ibanEndAt,
  maskCardNumbers,
  normaliseDigits,
  scanCardNumbers,
} from '../../../../lambdas/shared/card/card-detector';
import { luhnValid } from '../../../../lambdas/shared/card/card-rules';
import { LAYOUTS, makeCardNumber, TEST_CARDS } from '../../../../scripts/redaction-corpus/card-layouts';
import { seededRandom } from '../../../../sandbox/faults/seeded-random';
import { fuzzRuns } from '../../../fuzz/fuzz-kit';

const SENTINEL = '4111111111111111';

/** What masking must produce: every digit of every found number replaced by one `#`, all else kept. */
function expectedMask(text: string, options: { lineBreaks?: boolean } = {}): string {
  let out = '';
  let last = 0;
  for (const m of findCardNumberDetails(text, options)) {
    for (let d = 0; d < m.digitStarts.length; d += 1) {
      out += `${text.slice(last, m.digitStarts[d])}#`;
      last = m.digitEnds[d] as number;
    }
  }
  return out + text.slice(last);
}

describe('normaliseDigits', () => {
  it('turns digits of every script and numeric character references into ASCII digits with their original offsets', () => {
    // Prepare
    const text = 'a4 ４ ٤ ४ 𝟒 &#52; &#x34; &#X34 x&#65;';
    // Act
    const { digits, positions } = normaliseDigits(text);
    // Assess
    expect(digits).toBe('44444444');
    expect(positions).toEqual([1, 3, 5, 7, 9, 12, 18, 25]);
  });

  it('ignores character references to non-digits, malformed references and lone surrogates', () => {
    // Act
    const result = normaliseDigits('&#65; &#; &#xZZ; &amp; \ud835 x');
    // Assess
    expect(result).toEqual({ digits: '', positions: [] });
  });

  it('knows exactly the decimal digits this runtime knows as \\p{Nd}', () => {
    // Prepare: every code point the runtime calls a decimal digit, and every one we call a digit
    const runtime: number[] = [];
    const ours: number[] = [];
    for (let cp = 0; cp < 0x20000; cp += 1) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      if (/\p{Nd}/u.test(String.fromCodePoint(cp))) runtime.push(cp);
      if (digitValue(cp) >= 0) ours.push(cp);
    }
    // Assess: same set, and each digit's value is its place in its run of ten
    expect(ours).toEqual(runtime);
    for (const cp of ours) if (digitValue(cp) === 0) for (let v = 1; v <= 9; v += 1) expect(digitValue(cp + v)).toBe(v);
  });
});

describe('findCardNumbers: every layout people use', () => {
  const rnd = seededRandom(1511);
  const rand = (): number => rnd.next();
  const cards = [...TEST_CARDS.slice(0, 8), makeCardNumber(rand), makeCardNumber(rand), makeCardNumber(rand)];
  const cases = LAYOUTS.flatMap((layout) => cards.map((card) => [layout.id, card, layout] as const));

  it.each(cases)('finds a number written as %s (%s), masks only its digits and keeps the text around it', (_id, card, layout) => {
    // Prepare
    const written = layout.render(card, rand);
    const text = `Hello, here it is: ${written} - thanks!`;
    const options = { lineBreaks: layout.lineBreaks === true };
    // Act
    const found = findCardNumbers(text, options);
    const masked = maskCardNumbers(text, '#', options);
    // Assess: one number, its ASCII digits, offsets into the original text
    expect(found.map((m) => m.digits)).toEqual([card]);
    const [match] = found;
    expect(match?.start).toBeGreaterThanOrEqual('Hello, here it is: '.length);
    expect(match?.end).toBeLessThanOrEqual('Hello, here it is: '.length + written.length);
    expect(masked.count).toBe(1);
    expect(masked.text).toBe(expectedMask(text, options));
    expect(masked.text.startsWith('Hello, here it is: ')).toBe(true);
    expect(masked.text.endsWith(' - thanks!')).toBe(true);
    expect(containsCardNumber(masked.text, options)).toBe(false);
  });

  it('does not join a number over a line break unless asked to (chat lines)', () => {
    // Prepare
    const text = 'card 4111 1111\n1111 1111 ok';
    // Act / Assess
    expect(findCardNumbers(text)).toEqual([]);
    expect(findCardNumbers(text, { lineBreaks: true }).map((m) => m.digits)).toEqual([SENTINEL]);
  });

  it('catches the 14-digit Diners number grouped 4-4-4-2 that the old filter missed', () => {
    // Act
    const result = maskCardNumbers('number 3056 9309 0259 04 please');
    // Assess
    expect(result).toEqual({ text: 'number #### #### #### ## please', count: 1 });
  });

  it('masks with the caller’s mask and reports every number', () => {
    // Act
    const result = maskCardNumbers(`${SENTINEL} and 5555-5555-5555-4444`, '*');
    // Assess
    expect(result).toEqual({ text: '**************** and ****-****-****-****', count: 2 });
  });

  it('finds a card followed by its security code and expiry, and leaves those to the context rules', () => {
    // Act
    const found = findCardNumbers('4111-1111-1111-1111 12/30 cvv 737');
    // Assess
    expect(found.map((m) => m.digits)).toEqual([SENTINEL]);
  });

  it('finds a card after an order number in the same run of groups', () => {
    // Act / Assess
    expect(findCardNumbers('order 1234 4111111111111111').map((m) => m.digits)).toEqual([SENTINEL]);
  });

  it('finds a card typed in pairs or single digits after a group of another size in the same run', () => {
    // Act / Assess: the pairs (or singles) are all the groups of that size there, so they are read as one number.
    expect(findCardNumbers('order 123456 41 11 11 11 11 11 11 11').map((m) => m.digits)).toEqual([SENTINEL]);
    expect(findCardNumbers('ref 2026 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 ok').map((m) => m.digits)).toEqual([SENTINEL]);
    expect(findCardNumbers('amex 123 37 82 82 24 63 10 00 5').map((m) => m.digits)).toEqual(['378282246310005']);
    expect(findCardNumbers('41 11 11 11 11 11 11 11 1234 5678').map((m) => m.digits)).toEqual([SENTINEL]);
  });

  it('does not cut 16 digits out of a longer list of pairs or single digits', () => {
    // Act / Assess: a window of pairs next to another pair is part of a list, not a typed card.
    expect(findCardNumbers('12 41 11 11 11 11 11 11 11')).toEqual([]);
    expect(findCardNumbers('1234 12 34 41 11 11 11 11 11 11 11 22')).toEqual([]);
    expect(findCardNumbers('7 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 3 2')).toEqual([]);
  });

  it('ignores digits inside the attributes of an inline tag', () => {
    // Act
    const masked = maskCardNumbers('4111 <span data-x="4111111111111111">1111</span> 1111 1111');
    // Assess
    expect(masked.text).toBe('#### <span data-x="4111111111111111">####</span> #### ####');
  });

  it('finds an unknown-brand 16-digit number only when it stands alone as 4-4-4-4 or unbroken', () => {
    // Prepare: a Luhn-valid number with a prefix no brand in card-rules claims
    const unknown = '8600123412341239';
    expect(luhnValid(unknown)).toBe(true);
    // Act / Assess
    expect(findCardNumbers(`card ${unknown} ok`).length).toBe(1);
    expect(findCardNumbers('card 8600 1234 1234 1239 ok').length).toBe(1);
    expect(findCardNumbers('ref JD8600123412341239').length).toBe(0);
    expect(findCardNumbers('86 00 12 34 12 34 12 39').length).toBe(0);
  });
});

describe('findCardNumbers: near misses stay', () => {
  const kept: Array<[string, string]> = [
    ['an order number that fails Luhn', 'order 1234567812345678 shipped'],
    ['a 16-digit Visa-like number that fails Luhn', 'ref 4111 1111 1111 1112'],
    ['a 13-digit reference that fails Luhn', 'ref 1234567890123'],
    ['a phone number', 'call +1 (555) 867-5309 or 555-867-5309'],
    ['an international phone number', '+44 20 7946 0958'],
    ['two phone numbers', 'call 020 7946 0958 or 020 7946 0959'],
    ['dates and times', '2026-11-20 10:03:05 and 20/11/2026, 29.11.2026'],
    ['a 20-digit run whose first 16 digits pass Luhn', '41111111111111110000'],
    ['an IBAN with a letter in it', 'IBAN GB82 WEST 1234 5698 7654 32'],
    ['a German IBAN (all digits after the country)', 'IBAN DE89 3704 0044 0532 0130 00'],
    ['a French IBAN', 'FR76 3000 6000 0112 3456 7890 189'],
    ['a digit run longer than 19', '12345678901234567890123'],
    ['an amount', 'total $1,234.56 paid, 4,111.11 due'],
    ['a Luhn-valid number of a brand length it cannot have', 'amex-like 3782822463100052'],
    ['already masked text', '#### #### #### ####'],
    ['a lone security code', 'my code is 737'],
    ['a UPS tracking number', '1Z 999 AA1 01 2345 6784'],
    ['a character reference to a non-digit inside digits', '4111&#65;1111 1111 1111'],
    ['a block tag inside digits (no line breaks)', '4111 1111<p>1111 1111'],
  ];
  it.each(kept)('keeps %s', (_name, text) => {
    // Act
    const result = maskCardNumbers(text);
    // Assess
    expect(result).toEqual({ text, count: 0 });
    expect(containsCardNumber(text)).toBe(false);
  });

  it('recognises a valid IBAN and nothing else as one', () => {
    // Act / Assess
    expect(ibanEndAt('DE89 3704 0044 0532 0130 00', 2)).toBe(27);
    expect(ibanEndAt('DE88 3704 0044 0532 0130 00', 2)).toBe(-1);
    expect(ibanEndAt('xDE89 3704 0044 0532 0130 00', 3)).toBe(-1);
  });
});

describe('findCardNumbers: properties', () => {
  const WORDS = [
    'hello',
    'my',
    'order',
    'is',
    'ok',
    'thanks',
    'card',
    'please',
    'the',
    'number',
    'é',
    '😀',
    'Grüße',
    'call',
    'me',
    'at',
    'ref',
    '#',
    '(',
    ')',
    ':',
    ',',
    '!',
  ];
  const NOISE = ['12', '2026-11-29', '10:30', '+44 20 7946 0958', '$12.50', 'INV-0042', '737', '12/30'];

  it('finds a generated valid card number inserted into random text in a random layout, and masks only its digits', () => {
    const runs = fuzzRuns(400);
    const rnd = seededRandom(0x15ca7d);
    const rand = (): number => rnd.next();
    for (let run = 0; run < runs; run += 1) {
      // Prepare
      const card = makeCardNumber(rand);
      const layout = LAYOUTS[rnd.int(0, LAYOUTS.length - 1)] ?? (LAYOUTS[0] as (typeof LAYOUTS)[number]);
      const words: string[] = [];
      for (let w = rnd.int(0, 12); w > 0; w -= 1) words.push(rnd.chance(0.2) ? rnd.pick(NOISE) : rnd.pick(WORDS));
      const at = rnd.int(0, words.length);
      const written = layout.render(card, rand);
      const before = `${words.slice(0, at).join(' ')}${at > 0 ? ' x ' : ''}`;
      const text = `${before}${written}${at < words.length ? ' x ' : ''}${words.slice(at).join(' ')}`;
      const options = { lineBreaks: layout.lineBreaks === true };
      // Act
      const found = findCardNumbers(text, options);
      const masked = maskCardNumbers(text, '#', options);
      // Assess
      const mine = found.find((m) => m.start >= before.length && m.end <= before.length + written.length);
      if (mine?.digits !== card) throw new Error(`run ${run}: layout "${layout.id}" not found in ${JSON.stringify(text)}`);
      expect(masked.text).toBe(expectedMask(text, options));
      expect(masked.text.slice(0, before.length)).toBe(text.slice(0, before.length));
    }
  });

  it('never changes a text without a card number, and changes nothing but digits when it has one', () => {
    const runs = fuzzRuns(300);
    const rnd = seededRandom(77);
    const alphabet = ['1', '4', '5', ' ', '-', '.', '\n', '&#52;', '<b>', '</b>', '%20', '\u200b', '４', 'a', '&', '<', '>', ';', '\ud835\udfce'];
    for (let run = 0; run < runs; run += 1) {
      // Prepare
      let text = '';
      for (let i = rnd.int(0, 80); i > 0; i -= 1) text += rnd.pick(alphabet);
      // Act
      const masked = maskCardNumbers(text);
      // Assess
      if (masked.count === 0) expect(masked.text).toBe(text);
      else {
        expect(masked.text).toBe(expectedMask(text));
        for (const m of findCardNumbers(text)) expect(luhnValid(m.digits)).toBe(true);
      }
    }
  });
});

describe('findCardNumbers: linear time (operation counts, not clocks)', () => {
  const work = (text: string, lineBreaks = false): number => {
    const cost = scanCardNumbers(text, () => undefined, { lineBreaks });
    return cost.steps + cost.windowDigits + cost.parserSteps;
  };
  const hostile: Array<[string, (n: number) => string]> = [
    ['one digit groups', (n) => '4 '.repeat(n)],
    ['a long digit run', (n) => '4'.repeat(n)],
    ['card-like groups without end', (n) => '4111 '.repeat(n)],
    ['valid cards back to back', (n) => `${SENTINEL} `.repeat(n)],
    ['digits as character references', (n) => '&#52;'.repeat(n)],
    ['inline tags around digits', (n) => '<b>4</b>'.repeat(n)],
    ['unterminated quoted tags', (n) => '<b "'.repeat(n)],
    ['ampersands', (n) => '&#'.repeat(n)],
    ['percent signs', (n) => '4%2'.repeat(n)],
    ['zero-width spaces between digits', (n) => '4\u200b'.repeat(n)],
    ['line breaks and quote markers', (n) => '4\n> '.repeat(n)],
    ['astral digits', (n) => '\ud835\udfd2 '.repeat(n)],
    ['plain prose', (n) => 'the quick brown fox '.repeat(n)],
  ];
  it.each(hostile)('grows linearly on %s', (_name, make) => {
    const runs = fuzzRuns(1);
    for (let r = 0; r < runs; r += 1) {
      // Prepare
      const small = make(2000);
      const large = make(8000);
      // Act
      const a = work(small, true);
      const b = work(large, true);
      // Assess: 4× the text costs at most ~4× the work, and the work per character is bounded
      expect(b / Math.max(a, 1)).toBeLessThan(4.5);
      expect(b / large.length).toBeLessThan(60);
    }
  });

  it('grows linearly on random mixes of the characters numbers are made of', () => {
    const rnd = seededRandom(99);
    const alphabet = ['4', '1', ' ', '-', '<b>', '</b>', '&#52;', '<i ', '"', '%20', '\n', '>', 'x'];
    const build = (n: number): string => {
      let s = '';
      while (s.length < n) s += rnd.pick(alphabet);
      return s;
    };
    for (let run = 0; run < fuzzRuns(5); run += 1) {
      const small = build(20000);
      const large = build(80000);
      expect(work(large, true) / work(small, true)).toBeLessThan(4.8);
      expect(work(large, true) / large.length).toBeLessThan(60);
    }
  });
});

describe('run arrays kept between scans', () => {
  it('finds the same cards when a scan starts inside another scan’s callback, and when scans follow one another', () => {
    // Prepare: a long run (grows the arrays) and a text with two cards.
    const long = `ref ${'1 '.repeat(300)}end`;
    const outer = 'pay 4111 1111 1111 1111 and 5500-0000-0000-0004 now';
    const inner = 'inner 3782 822463 10005 and 6011 0009 9013 9424';
    const alone = findCardNumberDetails(outer).map((m) => [m.start, m.end, m.digits, [...m.digitStarts]]);
    const innerAlone = findCardNumbers(inner);
    // Act
    findCardNumbers(long);
    const nested: unknown[] = [];
    const innerSeen: unknown[] = [];
    scanCardNumbers(outer, (m) => {
      innerSeen.push(findCardNumbers(inner));
      nested.push([m.start, m.end, m.digits, [...m.digitStarts]]);
    });
    // Assess
    expect(nested).toEqual(alone);
    expect(innerSeen).toEqual([innerAlone, innerAlone]);
    expect(findCardNumbers(inner)).toEqual(innerAlone);
    expect(alone).toHaveLength(2);
    expect(innerAlone).toHaveLength(2);
  });
});

import { readFileSync } from 'node:fs';
import { findCardNumberDetails, findCardNumbers, mayHoldCardNumber } from '../../../lambdas/shared/card/card-detector';
import { compilePattern } from '../../../lambdas/redact/pattern/pattern-matcher';
import { headCut, LineRedactionStream, lineJoinCut, type RedactionTally } from '../../../lambdas/redact/redactor';
import { HtmlRedactionStream } from '../../../lambdas/redact/html-redactor';
import { htmlInputs, longInputs, mimeInputs, pick, seeded, shortInputs, soup } from './differential-inputs';
import { REFERENCE_PATH, referenceRedactor, run, sha256, sortedTally, type Reference } from './record-reference';

// The redactor's fast paths (chunked line stream, the scanner's quick skip of short digit stretches,
// the matcher's sampled run finder) against the outputs and tallies recorded from the code before them.
const reference = JSON.parse(readFileSync(REFERENCE_PATH, 'utf8')) as Reference;
const redactor = referenceRedactor();

/** HTML through the stream in chunks, with the segment length from which it may redact early. */
function redactHtml(html: string, chunk: number, segmentSoft: number): { output: string; tally: RedactionTally } {
  const tally: RedactionTally = {};
  const stream = new HtmlRedactionStream(redactor, tally, segmentSoft);
  let output = '';
  for (let i = 0; i < html.length; i += chunk) output += stream.write(html.slice(i, i + chunk));
  return { output: output + stream.end(), tally };
}

describe('redaction fast paths: identical output and tallies to the recorded full path', () => {
  const short = shortInputs();
  const long = longInputs();

  it('has a recorded case for every generated input', () => {
    // Assess
    expect([reference.short.length, reference.long.length, reference.html.length, reference.mime.length]).toEqual([
      short.length,
      long.length,
      htmlInputs().length,
      mimeInputs().length,
    ]);
  });

  it('redacts every short input (each card layout, near misses, other scripts, separators) exactly as recorded', () => {
    short.forEach((text, i) => {
      // Act
      const tally: RedactionTally = {};
      const output = redactor.redact(text, tally);
      // Assess
      expect({ i, output, tally: sortedTally(tally) }).toEqual({ i, ...reference.short[i] });
    });
  });

  // In groups of inputs, so each test stays well inside the time limit on a busy machine.
  it.each([0, 1, 2, 3, 4, 5, 6, 7])(
    'streams short inputs (group %i of 8) cut into two chunks at every offset, and in chunks of 1, 7 and 64 KiB, exactly as recorded',
    (group) => {
      short.forEach((text, i) => {
        if (i % 8 !== group) return;
        const expected = { i, ...reference.short[i] };
        for (const size of [1, 7, 1 << 16]) {
          const streamed = run.lineStream(redactor, text, size);
          expect({ i, output: streamed.output, tally: sortedTally(streamed.tally) }).toEqual(expected);
        }
        for (let cut = 1; cut < text.length; cut += 1) {
          // Act
          const tally: RedactionTally = {};
          const stream = new LineRedactionStream(redactor, tally);
          const output = stream.write(text.slice(0, cut)) + stream.write(text.slice(cut)) + stream.end();
          // Assess
          if (output !== expected.output) expect({ i, cut, output }).toEqual({ i, cut, output: expected.output });
          expect(sortedTally(tally)).toEqual(expected.tally);
        }
      });
    },
  );

  it('streams texts longer than a chunk (and one line longer than a chunk) exactly as recorded, whatever the chunk size', () => {
    long.forEach((text, i) => {
      for (const size of [1 << 16, 65_537, 100_000, 4099, 32_768]) {
        // Act
        const { output, tally } = run.lineStream(redactor, text, size);
        // Assess
        expect({ i, size, sha256: sha256(output), tally: sortedTally(tally) }).toEqual({
          i,
          size,
          sha256: reference.long[i]?.sha256,
          tally: reference.long[i]?.tally,
        });
      }
    });
  });

  it('redacts HTML exactly as recorded', () => {
    htmlInputs().forEach((text, i) => {
      for (const size of [1 << 16, 5]) {
        // Act
        const { output, tally } = run.htmlStream(redactor, text, size);
        // Assess
        expect({ i, output, tally: sortedTally(tally) }).toEqual({ i, ...reference.html[i] });
      }
    });
  });

  it('redacts MIME messages (plain, quoted-printable, base64, HTML parts, attachment) exactly as recorded', () => {
    mimeInputs().forEach((text, i) => {
      for (const size of [1 << 16, 4096]) {
        // Act
        const { output, tally } = run.mimeStream(redactor, Buffer.from(text, 'latin1'), size);
        // Assess
        expect({ i, sha256: sha256(output), tally: sortedTally(tally) }).toEqual({ i, sha256: reference.mime[i]?.sha256, tally: reference.mime[i]?.tally });
      }
    });
  });
});

describe('redaction fast paths: the quick paths against the full paths they stand in for', () => {
  it.each([
    [
      'a code announced before a card behind an inline tag',
      `<p>${'x '.repeat(300)}cvv: 737, card <b>4111 1111 1111 1111</b> thanks</p><p>more</p>`,
      'cvv: ###, card <b>####',
    ],
    ['a number split across paragraphs', `<p>${'x '.repeat(300)}card 4111 1111</p><p>1111 1111 ok</p>`, 'card #### ####</p><p>#### ####'],
    ['an expiry in the next paragraph', `<p>card 4111 1111 1111 1111</p><p>exp 12/30</p><p>${'y '.repeat(300)}</p>`, '<p>exp ##/##</p>'],
  ])('redacts early only where that changes nothing: %s', (_name, html, expected) => {
    for (const size of [html.length, 7, 64]) {
      // Act
      const early = redactHtml(html, size, 16);
      const whole = redactHtml(html, size, Number.POSITIVE_INFINITY);
      // Assess
      expect(whole.output).toContain(expected);
      expect(early.output).toBe(whole.output);
    }
  });

  it('redacts long HTML the same whether its segments are redacted early at safe line tags or held whole', () => {
    // Prepare: pages of paragraphs, divs and breaks around random soups (cards in every layout, expiry
    // dates and codes, numbers split by inline tags and across paragraphs, SSNs, references).
    const rand = seeded(2718);
    const tags = ['</p><p>', '</p>\n<p class="x">', '<br>', '<br/>\n', '</div><div>', '<p>', '</p>', ' <b>', '</b> ', '<span title="4111 1111 1111 1111">'];
    for (let page = 0; page < 6; page += 1) {
      const parts: string[] = ['<html><body><p>'];
      while (parts.join('').length < 40_000 + page * 15_000) parts.push(soup(rand, 1 + Math.floor(rand() * 8)), pick(rand, tags));
      parts.push('</p></body></html>');
      const html = parts.join('');
      for (const size of [1 << 16, 4093, 333]) {
        // Act
        const early = redactHtml(html, size, 512);
        const whole = redactHtml(html, size, Number.POSITIVE_INFINITY);
        // Assess
        if (early.output !== whole.output) expect({ page, size, output: early.output }).toEqual({ page, size, output: whole.output });
        expect(sortedTally(early.tally)).toEqual(sortedTally(whole.tally));
      }
    }
  });

  it('finds the same card numbers in every short input with and without the quick skip of short digit stretches', () => {
    for (const text of [...shortInputs(), ...longInputs()]) {
      for (const lineBreaks of [false, true]) {
        // Act
        const fast = findCardNumberDetails(text, { lineBreaks });
        const full = findCardNumberDetails(text, { lineBreaks, exhaustive: true });
        // Assess
        expect(fast.map((c) => [c.start, c.end, c.digits])).toEqual(full.map((c) => [c.start, c.end, c.digits]));
      }
    }
  });

  it('finds the same card numbers with and without the quick skip in dense random mixes of number characters', () => {
    const rand = seeded(4111);
    const pieces = [
      '4',
      '1',
      '5',
      '0',
      '9',
      '7',
      ' ',
      '  ',
      '-',
      '.',
      '\n',
      '\r\n',
      '\n> ',
      '>',
      ':',
      'a',
      '<b>',
      '<br>',
      '&#52;',
      '&nbsp;',
      '%20',
      '%',
      '\u00a0',
      '\u{1d7d2}',
      '\uff14',
      '\ud800',
      'DE89 ',
    ];
    for (let k = 0; k < 3000; k += 1) {
      let text = '';
      for (let j = Math.floor(rand() * 80); j > 0; j -= 1) text += pieces[Math.floor(rand() * pieces.length)];
      if (rand() < 0.5) text += ' 4111 1111 1111 1111 ';
      for (const lineBreaks of [false, true]) {
        // Act
        const fast = findCardNumberDetails(text, { lineBreaks }).map((c) => [c.start, c.end, c.digits]);
        const full = findCardNumberDetails(text, { lineBreaks, exhaustive: true }).map((c) => [c.start, c.end, c.digits]);
        // Assess
        if (JSON.stringify(fast) !== JSON.stringify(full)) expect({ text, lineBreaks, fast }).toEqual({ text, lineBreaks, fast: full });
      }
    }
  });

  it('finds the same matches with the sampled run finder as with the regular-expression run finder', () => {
    const patterns: Array<[string, string]> = [
      ['\\b(?!000)([0-6]\\d{2}|7([0-6]\\d|7[012]))([-]?)(?!00)\\d\\d\\3(?!0000)\\d{4}\\b', ''],
      ['\\d{3}', ''],
      ['[a-z]+\\d', 'i'],
      ['exp\\s?\\d\\d/\\d\\d', ''],
      ['x', ''],
    ];
    for (const [source, flags] of patterns) {
      const compiled = compilePattern(source, flags);
      const regexFinder = compilePattern(source, flags, { runFinder: 'regexp' });
      if (!compiled.ok || !regexFinder.ok) throw new Error('pattern refused');
      for (const text of [...shortInputs(), ...longInputs()]) {
        // Act
        const fast: number[] = [];
        const full: number[] = [];
        compiled.pattern.findAll(text, (s, e) => fast.push(s, e));
        regexFinder.pattern.findAll(text, (s, e) => full.push(s, e));
        // Assess
        expect(fast).toEqual(full);
      }
    }
  });

  it('says a text cannot hold a card only when the detector finds none in it (every short input and each of its words)', () => {
    const texts = shortInputs().flatMap((t) => [t, ...t.split(' ')]);
    let quick = 0;
    for (const text of texts) {
      // Act
      const may = mayHoldCardNumber(text);
      // Assess
      if (!may) {
        quick += 1;
        expect({ text, cards: findCardNumbers(text, { lineBreaks: true }).length }).toEqual({ text, cards: 0 });
      }
    }
    expect(quick).toBeGreaterThan(100); // the quick answer is given often enough to matter
    expect(mayHoldCardNumber('4111 1111 1111 1111')).toBe(true);
    expect(mayHoldCardNumber('&#52;')).toBe(true);
    expect(mayHoldCardNumber('\u{1d7d2}')).toBe(true);
    expect(mayHoldCardNumber('order 123456 on 11-29')).toBe(false);
  });

  it('says a rule cannot match only when it finds no match, and a redactor cannot change a text only when redacting leaves it as it is', () => {
    const compiled = compilePattern('\\b(?!000)([0-6]\\d{2}|7([0-6]\\d|7[012]))([-]?)(?!00)\\d\\d\\3(?!0000)\\d{4}\\b');
    if (!compiled.ok) throw new Error('pattern refused');
    const texts = shortInputs().flatMap((t) => [t, ...t.split(' ')]);
    for (const text of texts) {
      // Act
      const found: number[] = [];
      compiled.pattern.findAll(text, (a, b) => found.push(a, b));
      // Assess
      if (!compiled.pattern.mayMatch(text)) expect({ text, found }).toEqual({ text, found: [] });
      if (!redactor.mayChange(text)) {
        const tally: RedactionTally = {};
        expect({ text, out: redactor.redact(text, tally), tally }).toEqual({ text, out: text, tally: {} });
      }
    }
    expect(compiled.pattern.mayMatch('call 123-45-6789')).toBe(true);
    expect(compiled.pattern.mayMatch('class="line"')).toBe(false);
  });

  it('guesses a piece cut only at a line break the line stream itself may cut at', () => {
    for (const text of [...shortInputs(), ...longInputs()]) {
      // Act
      const x = headCut(text);
      // Assess
      if (x > 0) {
        expect(text.charCodeAt(x - 1)).toBe(10);
        expect(lineJoinCut(text.slice(0, x))).toBe(x);
      }
    }
    expect(headCut(`${'word '.repeat(40)}\nnext line`)).toBe(201);
    expect(headCut(`${'word '.repeat(40)} 4111 1111 1111 1111\nnext`)).toBe(0);
  });
});

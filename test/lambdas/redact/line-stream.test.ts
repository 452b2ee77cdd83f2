import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HtmlRedactionStream } from '../../../lambdas/redact/html-redactor';
import { loadRedactionConfig, parseRedactionConfig } from '../../../lambdas/redact/redaction-config';
import { applyMask, LineRedactionStream, Redactor, safeCut, type MaskRanges, type RedactionTally } from '../../../lambdas/redact/redactor';
import { seededRandom } from '../../../sandbox/faults/seeded-random';

const defaultRedactor = (): Redactor => new Redactor(parseRedactionConfig(readFileSync(join(__dirname, '../../../config/redaction.json'), 'utf8')));

function streamed(redactor: Redactor, text: string, chunkSize: number, maxPending?: number): { out: string; tally: RedactionTally } {
  const tally: RedactionTally = {};
  const stream = new LineRedactionStream(redactor, tally, maxPending);
  let out = '';
  for (let i = 0; i < text.length; i += chunkSize) out += stream.write(text.slice(i, i + chunkSize));
  return { out: out + stream.end(), tally };
}

describe('streaming redaction of chat text', () => {
  const transcript = readFileSync(join(__dirname, '../../../events/redact/chat-transcript.txt'), 'utf8');

  it('redacts the sample chat transcript: cards and SSN masked, near-misses kept', () => {
    // Act
    const { out, tally } = streamed(defaultRedactor(), transcript, 1 << 16);
    // Assess
    expect(out).toContain("it's #### #### #### #### exp ##/##");
    expect(out).toContain('the other one ####-####-####-####');
    expect(out).toContain('amex #### ###### ##### also works. ssn ###-##-####');
    expect(out).toContain('order 4471902');
    expect(out).toContain('+1 555-867-5309');
    expect(out).toContain('Reference 1234567812345678 is not a card');
    expect(out).toContain('[2026-11-20 10:03:05]');
    expect(tally).toEqual({ 'default-card-number': 3, 'card-expiry-security-code': 1, 'us-ssn': 1 });
  });

  it('gives the same result for every chunk size, so numbers split across chunks are still caught', () => {
    // Prepare
    const redactor = defaultRedactor();
    const whole = streamed(redactor, transcript, transcript.length).out;
    for (const size of [1, 2, 3, 5, 7, 13, 16, 17, 64]) {
      // Act
      const { out } = streamed(redactor, transcript, size);
      // Assess
      expect(out).toBe(whole);
    }
  });

  it('keeps a number whose line ends in a percent-escaped separator together, wherever the stream is cut', () => {
    // Prepare: a URL wrapped after `%2D`; the detector reads the escape as a dash, so the number goes on.
    const redactor = defaultRedactor();
    const text = 'pay?card=4111%2D1111%2D1111%2D\n1111&ok=1\nsee %C2%A0\n4111 1111 1111 1111 end\nnext line\n';
    const whole = redactor.redact(text, {});
    expect(whole).toBe('pay?card=####%2D####%2D####%2D\n####&ok=1\nsee %C2%A0\n#### #### #### #### end\nnext line\n');
    for (let cut = 1; cut < text.length; cut += 1) {
      // Act
      const stream = new LineRedactionStream(redactor, {});
      const out = stream.write(text.slice(0, cut)) + stream.write(text.slice(cut)) + stream.end();
      // Assess
      if (out !== whole) expect({ cut, out }).toEqual({ cut, out: whole });
    }
  });

  it('cuts an endless line at a safe point and still masks a card on each side of the cut', () => {
    // Prepare: a 1 KB cap forces several cuts inside one line of words and cards
    const redactor = defaultRedactor();
    const line = 'word 4111 1111 1111 1111 filler text '.repeat(200);
    // Act
    const { out, tally } = streamed(redactor, line, 100, 1024);
    // Assess
    expect(out).not.toMatch(/\d/);
    expect(tally['default-card-number']).toBe(200);
    expect(out.length).toBe(line.length);
  });

  it('chooses a cut that is not beside a digit or a separator', () => {
    // Prepare
    const text = `${'a'.repeat(50)} b 4111 1111 1111 1111`;
    // Act
    const cut = safeCut(text);
    // Assess
    expect(text.slice(0, cut)).toBe(`${'a'.repeat(50)} `);
  });
});

describe('streaming redaction of HTML', () => {
  const redactor = new Redactor(loadRedactionConfig({ defaultFilter: { enabled: true }, additionalRules: [] }));

  function html(input: string, chunkSize = input.length): { out: string; tally: RedactionTally } {
    const tally: RedactionTally = {};
    const stream = new HtmlRedactionStream(redactor, tally);
    let out = '';
    for (let i = 0; i < input.length; i += chunkSize) out += stream.write(input.slice(i, i + chunkSize));
    return { out: out + stream.end(), tally };
  }

  it('redacts text nodes, attribute values, comments and scripts but never tags', () => {
    // Prepare
    const input =
      '<div id="c4111111111111111" data-x=4111111111111111 title=\'card 4111 1111 1111 1111\'>Pay with 4111-1111-1111-1111 now</div>' +
      '<!-- agent pasted 378282246310005 --><script>var p = "5500000000000004";</script><p class=note>ok</p>';
    // Act
    const { out, tally } = html(input);
    // Assess
    expect(out).toBe(
      '<div id="c################" data-x="################" title=\'card #### #### #### ####\'>Pay with ####-####-####-#### now</div>' +
        '<!-- agent pasted ############### --><script>var p = "################";</script><p class=note>ok</p>',
    );
    expect(tally['default-card-number']).toBe(6);
  });

  it('sees through entities between the groups and keeps every character reference as written', () => {
    // Prepare
    const input = '<p>Caf&eacute; &amp; card 4111&nbsp;1111&#160;1111&#x20;1111 &lt;end&gt;</p><p>untouched &eacute; &amp;</p>';
    // Act
    const { out } = html(input);
    // Assess
    expect(out).toBe('<p>Caf&eacute; &amp; card ####&nbsp;####&#160;####&#x20;#### &lt;end&gt;</p><p>untouched &eacute; &amp;</p>');
  });

  it('gives the same result for every chunk size', () => {
    // Prepare
    const input =
      '<html><body><p style="a:b">x 4111 1111 1111 1111 y</p><a href="/p?c=4111111111111111&amp;z=1">l</a> a < b <!-- 4111111111111111 --></body></html>';
    const whole = html(input).out;
    for (const size of [1, 2, 3, 7, 11]) {
      // Act
      const { out } = html(input, size);
      // Assess
      expect(out).toBe(whole);
    }
    expect(whole).not.toContain('4111');
  });

  it('keeps a rewritten inline tag in place inside a number split over text nodes, and runs the rules on each text node', () => {
    // Prepare
    const withSsn = defaultRedactor();
    const input =
      '<p>card 4111 <span title="5500 0000 0000 0004">1111</span> 1111 <b>1111</b> ssn 123-45-6789 &amp; <i>4111</i> ok</p>' +
      '<td>12 <span>345</span>-67-89</td><p>&eacute; 078-05-1120</p>';
    const expected =
      '<p>card #### <span title="#### #### #### ####">####</span> #### <b>####</b> ssn ###-##-#### &amp; <i>4111</i> ok</p>' +
      '<td>12 <span>345</span>-67-89</td><p>&eacute; ###-##-####</p>';
    for (let size = 1; size <= input.length; size += 1) {
      // Act
      const tally: RedactionTally = {};
      const stream = new HtmlRedactionStream(withSsn, tally);
      let out = '';
      for (let i = 0; i < input.length; i += size) out += stream.write(input.slice(i, i + size));
      out += stream.end();
      // Assess
      if (out !== expected) expect({ size, out }).toEqual({ size, out: expected });
      expect(tally).toEqual({ 'default-card-number': 2, 'us-ssn': 2 });
    }
  });

  it('redacts a segment longer than the 1 MiB it may hold in pieces, masking every card in it whatever the chunk size', () => {
    // Prepare: one segment (inline tags only), so it is redacted in parts as it grows past the limit.
    const line = (i: number): string => `<span>line ${i}: card 4111 <b>1111</b> 1111 1111 and order ${100000 + i}</span><br>\n`;
    const input = Array.from({ length: 16_000 }, (_, i) => line(i)).join('');
    const expected = Array.from({ length: 16_000 }, (_, i) => line(i).replace('4111 <b>1111</b> 1111 1111', '#### <b>####</b> #### ####')).join('');
    for (const size of [16 * 1024, 64 * 1024, 1 << 22]) {
      // Act
      const { out, tally } = html(input, size);
      // Assess
      expect(input.length).toBeGreaterThan(1024 * 1024);
      expect(out === expected).toBe(true);
      expect(tally['default-card-number']).toBe(16_000);
    }
  });
});

describe('applyMask', () => {
  /** One `#` per range, a range starting inside the one before skipped (the definition, written plainly). */
  function reference(text: string, ranges: MaskRanges): string {
    let out = '';
    let last = 0;
    for (const [start, end] of ranges) {
      if (start < last) continue;
      out += `${text.slice(last, start)}#`;
      last = end;
    }
    return out + text.slice(last);
  }

  it('writes one # per range, for runs of adjacent ranges, wide ranges (references) and overlapping ones alike', () => {
    // Prepare
    const random = seededRandom(21);
    const text = 'card &#52;111 1111-1111 1111 exp 12/30 and 40 more digits: 1234567890123456789012345678901234567890';
    const differ: string[] = [];
    // Act
    for (let t = 0; t < 3_000; t += 1) {
      const ranges: MaskRanges = [];
      let at = 0;
      while (at < text.length) {
        at += random.int(0, 3);
        const width = random.int(1, 5);
        if (at + width > text.length) break;
        ranges.push([at, at + width]);
        at += width - (random.chance(0.1) ? random.int(1, width) : 0);
      }
      if (applyMask(text, ranges) !== reference(text, ranges)) differ.push(JSON.stringify(ranges));
    }
    // Assess
    expect(differ).toEqual([]);
    expect(
      applyMask('4111 1111', [
        [0, 1],
        [1, 2],
        [2, 3],
        [3, 4],
        [5, 6],
        [6, 7],
        [7, 8],
        [8, 9],
      ]),
    ).toBe('#### ####');
    expect(
      applyMask('x&#52;1y', [
        [1, 6],
        [6, 7],
      ]),
    ).toBe('x##y');
    expect(
      applyMask(
        '0123456789'.repeat(5),
        Array.from({ length: 50 }, (_, i): [number, number] => [i, i + 1]),
      ),
    ).toBe('#'.repeat(50));
  });
});

interface TextStream {
  write(text: string): string;
  writeTo(text: string, emit: (part: string) => void): void;
  end(): string;
}

/** `text` cut at random, written to one stream with write and to the other with writeTo: the whole outputs (ended) and the parts. */
function writeBothWays(
  joined: TextStream,
  parted: TextStream,
  text: string,
  random: ReturnType<typeof seededRandom>,
): { want: string; got: string; parts: string[] } {
  let want = '';
  const parts: string[] = [];
  for (let at = 0; at < text.length; ) {
    const next = Math.min(text.length, at + random.int(1, 40_000));
    want += joined.write(text.slice(at, next));
    parted.writeTo(text.slice(at, next), (part) => parts.push(part));
    at = next;
  }
  return { want: want + joined.end(), got: parts.join('') + parted.end(), parts };
}

describe('LineRedactionStream.writeTo', () => {
  it('gives the output of write in parts: joined they are the same text, and no part is empty', () => {
    // Prepare: cards across lines and chunk ends, an expiry on the next line, a line longer than a piece.
    const redactor = new Redactor(loadRedactionConfig({ defaultFilter: { enabled: true }, additionalRules: [] }));
    const random = seededRandom(22);
    const lines = Array.from({ length: 3000 }, (_, i) =>
      i % 7 === 0 ? 'card 4111 1111\n1111 1111 then' : i % 11 === 0 ? 'exp 12/30' : i % 97 === 0 ? 'x'.repeat(20_000) : `line ${i} order ${1000 + i}`,
    );
    const text = lines.join('\n');
    // Act
    const { want, got, parts } = writeBothWays(new LineRedactionStream(redactor, {}), new LineRedactionStream(redactor, {}), text, random);
    // Assess
    expect(parts.every((p) => p !== '')).toBe(true);
    expect(got === want).toBe(true);
    expect(want).toContain('card #### ####\n#### #### then');
  });
});

describe('HtmlRedactionStream.writeTo', () => {
  it('gives the output of write in parts: joined they are the same text, and no part is empty', () => {
    // Prepare: cards across inline tags and paragraphs, comments, a script, attributes with cards, an
    // expiry after the card, entities, a text longer than a piece; cut anywhere.
    const random = seededRandom(23);
    const blocks = Array.from({ length: 1500 }, (_, i) =>
      i % 9 === 0
        ? '<p>card <b>4111</b> 1111&nbsp;1111 1111 exp 12/30</p>'
        : i % 13 === 0
          ? '<!-- 5555 5555 5555 4444 --><script>var c = "4111111111111111";</script>'
          : i % 17 === 0
            ? `<a title="4111 1111 1111 1111" href="#">x</a><td>${'y'.repeat(20_000)}</td>`
            : `<p class="line">line ${i} order ${1000 + i} &eacute; SSN 123-45-6789</p>\r\n`,
    );
    const html = blocks.join('');
    // Act
    const partedTally: RedactionTally = {};
    const { want, got, parts } = writeBothWays(
      new HtmlRedactionStream(defaultRedactor(), {}),
      new HtmlRedactionStream(defaultRedactor(), partedTally),
      html,
      random,
    );
    // Assess
    expect(parts.every((p) => p !== '')).toBe(true);
    expect(got === want).toBe(true);
    expect(want).toContain('<p>card <b>####</b> ####&nbsp;#### #### exp ##/##</p>');
    expect(partedTally['default-card-number']).toBeGreaterThan(0);
  });
});

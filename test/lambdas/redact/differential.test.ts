import { readFileSync } from 'node:fs';
import { findCardNumberDetails } from '../../../lambdas/shared/card/card-detector';
import { compilePattern } from '../../../lambdas/redact/pattern/pattern-matcher';
import { LineRedactionStream, type RedactionTally } from '../../../lambdas/redact/redactor';
import { htmlInputs, longInputs, mimeInputs, shortInputs } from './differential-inputs';
import { REFERENCE_PATH, referenceRedactor, run, sha256, sortedTally, type Reference } from './record-reference';

// The redactor's fast paths (chunked line stream, the scanner's quick skip of short digit stretches,
// the matcher's sampled run finder) against the outputs and tallies recorded from the code before them.
const reference = JSON.parse(readFileSync(REFERENCE_PATH, 'utf8')) as Reference;
const redactor = referenceRedactor();

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

  it('streams every short input cut into two chunks at every offset, and in chunks of 1, 7 and 64 KiB, exactly as recorded', () => {
    short.forEach((text, i) => {
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
  });

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
});

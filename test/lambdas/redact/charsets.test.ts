import { StringDecoder } from 'node:string_decoder';
import { encodeUtf8Parts, Utf8PairJoiner, Utf8StreamDecoder } from '../../../lambdas/redact/mime/charsets';
import { seededRandom } from '../../../sandbox/faults/seeded-random';

/** Bytes that make valid and invalid UTF-8: ASCII, lead and continuation bytes, overlongs, surrogates, a BOM's bytes. */
const BYTES = [0x41, 0x20, 0x0a, 0x34, 0xc3, 0xa9, 0xe2, 0x80, 0x93, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0xc0, 0xed, 0xa0, 0xbf, 0xf4, 0x90, 0xef, 0xbb];

describe('UTF-8 both ways for the line streams (Utf8StreamDecoder, encodeUtf8Parts)', () => {
  it('decodes every byte sequence, cut anywhere, to the text a StringDecoder gives (U+FFFD alike, a BOM kept)', () => {
    // Prepare
    const random = seededRandom(15);
    const differ: string[] = [];
    // Act
    for (let t = 0; t < 20_000; t += 1) {
      const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(random.next() * 14) }, () => BYTES[Math.floor(random.next() * BYTES.length)] as number));
      const cuts = [Math.floor(random.next() * (bytes.length + 1)), Math.floor(random.next() * (bytes.length + 1))].sort((a, b) => a - b) as [number, number];
      const pieces = [bytes.subarray(0, cuts[0]), bytes.subarray(cuts[0], cuts[1]), bytes.subarray(cuts[1])];
      const reference = new StringDecoder('utf8');
      const ours = new Utf8StreamDecoder();
      const want = pieces.map((p) => reference.write(p)).join('') + reference.end();
      const got = pieces.map((p) => ours.write(p)).join('') + ours.end();
      if (got !== want) differ.push(bytes.toString('hex'));
    }
    // Assess
    expect(differ).toEqual([]);
    const bom = new Utf8StreamDecoder();
    expect(bom.write(Buffer.from([0xef, 0xbb])) + bom.write(Buffer.from([0xbf, 0x41])) + bom.end()).toBe('\ufeffA');
  });

  it('encodes text as Buffer.from does, lone surrogates included, and an empty text as no bytes', () => {
    // Prepare
    const random = seededRandom(16);
    const units = [0x41, 0x34, 0x20, 0xe9, 0x2013, 0xff14, 0xfeff, 0xd83d, 0xde00, 0xdc00];
    // Act
    const differ: string[] = [];
    for (let t = 0; t < 5_000; t += 1) {
      const text = String.fromCharCode(
        ...Array.from({ length: Math.floor(random.next() * 20) }, () => units[Math.floor(random.next() * units.length)] as number),
      );
      if (!encodeUtf8Parts([text]).equals(Buffer.from(text, 'utf8'))) differ.push(JSON.stringify(text));
    }
    // Assess
    expect(differ).toEqual([]);
    expect(encodeUtf8Parts(['']).length).toBe(0);
  });

  it('encodes consecutive texts as their concatenation, a surrogate pair cut between two of them included', () => {
    // Prepare
    const random = seededRandom(17);
    const units = [0x41, 0x34, 0xe9, 0xff14, 0xd835, 0xdfce, 0xd83d, 0xde00];
    const differ: string[] = [];
    // Act
    for (let t = 0; t < 3_000; t += 1) {
      const text = String.fromCharCode(...Array.from({ length: random.int(0, 24) }, () => units[random.int(0, units.length - 1)] as number));
      // Cut anywhere (inside surrogate pairs too), empty parts included.
      const parts: string[] = [];
      let at = 0;
      while (at < text.length) {
        const next = Math.min(text.length, at + random.int(0, 5));
        parts.push(text.slice(at, next));
        at = next;
      }
      if (!encodeUtf8Parts(parts).equals(Buffer.from(parts.join(''), 'utf8'))) differ.push(JSON.stringify(parts));
    }
    // Assess
    expect(differ).toEqual([]);
    expect(encodeUtf8Parts(['a\ud835', '\udfce b']).toString('utf8')).toBe('a\u{1d7ce} b');
    expect(encodeUtf8Parts(['x\ud835']).equals(Buffer.from('x\ud835', 'utf8'))).toBe(true);
  });

  it('continues a stream over calls with a joiner: a pair cut between two calls is kept, and a lone half is U+FFFD at the end', () => {
    // Prepare
    const pairs = new Utf8PairJoiner();
    // Act
    const first = encodeUtf8Parts(['a', 'b\ud835'], pairs);
    const second = encodeUtf8Parts(['\udfce c\ud83d'], pairs);
    const last = encodeUtf8Parts(['!'], pairs, true);
    const lone = encodeUtf8Parts(['z\ud83d'], new Utf8PairJoiner(), true);
    // Assess
    expect(first.toString('utf8')).toBe('ab');
    expect(Buffer.concat([first, second]).toString('utf8')).toBe('ab\u{1d7ce} c');
    expect(last.equals(Buffer.from('\ud83d!', 'utf8'))).toBe(true);
    expect(lone.toString('hex')).toBe('7aefbfbd');
  });
});

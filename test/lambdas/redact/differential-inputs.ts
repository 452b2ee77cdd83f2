/**
 * Deterministic inputs for the redaction differential test (differential.test.ts): every card layout
 * of scripts/redaction-corpus/card-layouts.ts with expiry and code beside it, near misses, digits of
 * other scripts (also astral), every separator, markup, line breaks and quote markers, SSN-like
 * numbers, lone surrogates, as short texts, HTML texts, long texts (longer than the streams' internal
 * pieces) and MIME messages. record-reference.ts recorded what the redactor made of them before the
 * fast paths existed (fixtures/redaction-reference.json); the test replays them through today's code.
 */
import { LAYOUTS, makeCardNumber, type Rand } from '../../../scripts/redaction-corpus/card-layouts';

export function seeded(seed: number): Rand {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const int = (rand: Rand, min: number, max: number): number => min + Math.floor(rand() * (max - min + 1));

const WORDS = [
  'card',
  'exp',
  'cvv',
  'is',
  'my',
  'order',
  'ref',
  'security code',
  'valid thru',
  'the',
  'and',
  'ok',
  'Tel',
  'IBAN',
  'café',
  'número',
  'Straße',
  'date',
  'pin',
];
const SEPARATORS = [
  ' ',
  '  ',
  '     ',
  '-',
  '.',
  '/',
  '_',
  '+',
  '\u00a0',
  '\u2009',
  '\u202f',
  '\u200b',
  '\u2060',
  '\u3000',
  '\u2013',
  '\u2014',
  ' - ',
  '\t',
  '%20',
  '%2D',
  '&nbsp;',
  '&#8203;',
  '<b>',
  '</b>',
  '<wbr>',
  '<span class="x">',
  ':',
  ',',
  ';',
];
const BREAKS = ['\n', '\r\n', '\n> ', '\n\n', '<br>\n', '</p><p>', '\r', '\u2028'];
const DIGIT_ZEROS = [0x30, 0x30, 0x30, 0x30, 0xff10, 0x660, 0x6f0, 0x966, 0xe50, 0x1d7ce];
const FIXED = [
  '123-45-6789',
  '123456789',
  '078-05-1120',
  '000-12-3456',
  '2026-11-29',
  '[2026-11-01 10:03:05]',
  '+1 (555) 867-5309',
  'exp 12/30',
  'exp 1230',
  'cvv 737',
  'cvc: 1234',
  '12/30 737',
  'DE89 3704 0044 0532 0130 00',
  '9400 1000 0000 0000 0000 00',
  '1234567812345678',
  '4111 1111 1111 1112',
  '1Z999AA10123456784',
  'INV-2022-633041 / 0975/068593',
  '&#52;&#49;&#x31;1',
  '\ud800',
  '\udc00x',
  '😀',
  '<',
  '&',
  '%',
  '>',
  'ssn 123-45-6789 ok',
];

function digitRun(rand: Rand): string {
  const zero = pick(rand, DIGIT_ZEROS);
  let s = '';
  for (let i = int(rand, 1, 20); i > 0; i -= 1) s += String.fromCodePoint(zero + int(rand, 0, 9));
  return s;
}

function card(rand: Rand): string {
  return pick(rand, LAYOUTS).render(makeCardNumber(rand), rand);
}

/** A text of `tokens` random pieces: words, digit runs, separators, breaks, cards, near misses. */
export function soup(rand: Rand, tokens: number): string {
  let s = '';
  for (let t = 0; t < tokens; t += 1) {
    const r = rand();
    if (r < 0.25) s += pick(rand, WORDS);
    else if (r < 0.45) s += digitRun(rand);
    else if (r < 0.65) s += pick(rand, SEPARATORS);
    else if (r < 0.72) s += pick(rand, BREAKS);
    else if (r < 0.82) s += card(rand);
    else s += pick(rand, FIXED);
    if (rand() < 0.5) s += ' ';
  }
  return s;
}

/** Short texts: each layout with context on each side, near misses, and random soups. */
export function shortInputs(): string[] {
  const rand = seeded(15);
  const out: string[] = [];
  for (const layout of LAYOUTS) {
    for (let k = 0; k < 3; k += 1) {
      const rendered = layout.render(makeCardNumber(rand), rand);
      const before = pick(rand, ['', 'card ', 'my card is ', 'cvv 737, card ', 'order 4471902 and ', '[2026-11-20 10:03:05] customer: ']);
      const after = pick(rand, ['', ' exp 12/30 cvv 737', ' 12/30 737', '\nexp 12/30\ncvv 737', ' thanks', ' ssn 123-45-6789', ' ref 1234567812345678']);
      out.push(before + rendered + after);
    }
  }
  for (let k = 0; k < 150; k += 1) out.push(soup(rand, int(rand, 1, 40)));
  return out;
}

/** Texts longer than one 64 KiB chunk, made of chat-like lines and soups. */
export function longInputs(): string[] {
  const rand = seeded(1515);
  const out: string[] = [];
  for (const target of [70_000, 140_000, 200_000]) {
    let s = '';
    for (let i = 0; s.length < target; i += 1) {
      s += `[2026-11-${String(1 + (i % 28)).padStart(2, '0')} 10:${String(i % 60).padStart(2, '0')}:05] ${i % 2 ? 'agent' : 'customer'}: `;
      s +=
        rand() < 0.3
          ? soup(rand, int(rand, 1, 12))
          : `order ${100000 + i} placed, tracking 1Z999AA1${200000 + i}, call +1 555 867-${String(i % 10000).padStart(4, '0')}`;
      s += rand() < 0.1 ? '\r\n' : '\n';
    }
    out.push(s);
  }
  // One line far longer than a chunk: cards and words, no line break at all.
  out.push('word 4111 1111 1111 1111 filler 2026-11-29 text '.repeat(2500));
  return out;
}

/** HTML texts: soups wrapped in paragraphs, spans and attributes. */
export function htmlInputs(): string[] {
  const rand = seeded(150);
  const out: string[] = [];
  for (let k = 0; k < 40; k += 1) {
    const parts: string[] = [];
    for (let p = int(rand, 1, 6); p > 0; p -= 1)
      parts.push(
        `<p class="c${p}">${soup(rand, int(rand, 1, 15))}</p>`,
        pick(rand, ['\n', '', '<br>', '<div title="4111 1111 1111 1111">x</div>', '<!-- 4111111111111111 -->']),
      );
    out.push(`<html><body>${parts.join('')}</body></html>`);
  }
  return out;
}

/** MIME messages: plain, quoted-printable, base64 and HTML parts with soups, and an attachment. */
export function mimeInputs(): string[] {
  const rand = seeded(1500);
  const out: string[] = [];
  for (let k = 0; k < 12; k += 1) {
    const lines = (n: number): string => Array.from({ length: n }, () => soup(rand, int(rand, 1, 10)).replace(/[\r\n\u2028]+/g, ' ')).join('\r\n');
    const text = lines(int(rand, 5, 400));
    const html = `<html><body><p>${lines(int(rand, 2, 50))}</p></body></html>`;
    const enc = k % 3 === 0 ? 'base64' : k % 3 === 1 ? 'quoted-printable' : '8bit';
    const encode = (s: string): string =>
      enc === 'base64'
        ? (Buffer.from(s, 'utf8')
            .toString('base64')
            .match(/.{1,76}/g)
            ?.join('\r\n') ?? '')
        : enc === 'quoted-printable'
          ? Buffer.from(s, 'utf8')
              .toString('latin1')
              .replace(/[=\x80-\xff]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)
          : Buffer.from(s, 'utf8').toString('latin1');
    out.push(
      [
        'From: a@example.com',
        'To: b@example.com',
        `Subject: card 4111 1111 1111 1111 k${k}`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="zz"',
        '',
        'preamble 4111111111111111',
        '--zz',
        'Content-Type: text/plain; charset=utf-8',
        `Content-Transfer-Encoding: ${enc}`,
        '',
        encode(text),
        '--zz',
        'Content-Type: text/html; charset=utf-8',
        `Content-Transfer-Encoding: ${enc}`,
        '',
        encode(html),
        '--zz',
        'Content-Type: application/pdf; name="s.pdf"',
        'Content-Disposition: attachment; filename="s.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from(`x 4111111111111111 ${k}`.repeat(100)).toString('base64').replace(/.{76}/g, '$&\r\n'),
        '--zz--',
        'epilogue 5555 5555 5555 4444',
        '',
      ].join('\r\n'),
    );
  }
  return out;
}

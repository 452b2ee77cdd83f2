/**
 * How people really write card numbers in chat and email: every layout the card detector must
 * handle (grouping, separators, digit scripts, character references, inline HTML, line breaks), and
 * a generator of valid test card numbers per brand. Used by the corpus generator
 * (generate-corpus.ts) and by the detector's and redactor's tests, so both see the same layouts.
 */
import { luhnValid } from '../../lambdas/shared/card/card-rules';

/** Brand prefixes and lengths the generator draws from (issuer ranges as in card-rules.ts). */
export const BRAND_SHAPES: ReadonlyArray<{ brand: string; prefixes: readonly string[]; lengths: readonly number[] }> = [
  { brand: 'visa', prefixes: ['4'], lengths: [13, 16, 19] },
  { brand: 'mastercard', prefixes: ['51', '52', '53', '54', '55', '2221', '2720'], lengths: [16] },
  { brand: 'amex', prefixes: ['34', '37'], lengths: [15] },
  { brand: 'discover', prefixes: ['6011', '65', '644'], lengths: [16, 19] },
  { brand: 'diners', prefixes: ['36'], lengths: [14] },
  { brand: 'diners', prefixes: ['300', '305', '38'], lengths: [16] },
  { brand: 'jcb', prefixes: ['3528', '3589'], lengths: [16, 19] },
  { brand: 'unionpay', prefixes: ['62'], lengths: [16, 19] },
  { brand: 'maestro', prefixes: ['6759', '50'], lengths: [13, 16, 19] },
];

/** Published test card numbers of the networks and gateways. */
export const TEST_CARDS: readonly string[] = [
  '4111111111111111',
  '4242424242424242',
  '4000056655665556',
  '4012888888881881',
  '4222222222222',
  '5555555555554444',
  '5105105105105100',
  '2223003122003222',
  '378282246310005',
  '371449635398431',
  '6011111111111117',
  '6011000990139424',
  '3056930009020004',
  '30569309025904',
  '38520000023237',
  '3566002020360505',
  '6200000000000005',
  '6759649826438453',
  '4000000760000002',
  '5200828282828210',
];

export type Rand = () => number;

function int(rand: Rand, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
}

function pick<T>(rand: Rand, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

/** A Luhn-valid card number of a known brand. */
export function makeCardNumber(rand: Rand): string {
  const shape = pick(rand, BRAND_SHAPES);
  const prefix = pick(rand, shape.prefixes);
  const length = pick(rand, shape.lengths);
  let body = prefix;
  while (body.length < length - 1) body += String(int(rand, 0, 9));
  for (let check = 0; check <= 9; check += 1) if (luhnValid(body + String(check))) return body + String(check);
  throw new Error('unreachable: one check digit always fits');
}

/** Splits digits into groups of the given sizes (the last group takes the rest). */
export function group(digits: string, sizes: readonly number[]): string[] {
  const out: string[] = [];
  let at = 0;
  for (const size of sizes) {
    if (at >= digits.length) break;
    out.push(digits.slice(at, at + size));
    at += size;
  }
  if (at < digits.length) out.push(digits.slice(at));
  return out;
}

/** The grouping a card of this length is usually printed with. */
export function brandGrouping(digits: string): number[] {
  if (digits.length === 15) return [4, 6, 5];
  if (digits.length === 14) return [4, 6, 4];
  return [4, 4, 4, 4, 4];
}

const toScript =
  (zero: number) =>
  (digits: string): string =>
    [...digits].map((d) => String.fromCodePoint(zero + Number(d))).join('');

export interface Layout {
  id: string;
  /** Needs line breaks joined (email bodies, joined chat messages). */
  lineBreaks?: boolean;
  /** Uses HTML markup (inline tags, character references). */
  html?: boolean;
  render(digits: string, rand: Rand): string;
}

const sep =
  (s: string, sizes: (d: string) => number[] = brandGrouping) =>
  (d: string): string =>
    group(d, sizes(d)).join(s);

/** Every layout the detector must find. */
export const LAYOUTS: readonly Layout[] = [
  { id: 'unbroken', render: (d) => d },
  { id: 'spaces 4-4-4-4 (brand grouping)', render: sep(' ') },
  { id: 'dashes', render: sep('-') },
  { id: 'dots', render: sep('.') },
  { id: 'slashes', render: sep('/') },
  { id: 'underscores', render: sep('_') },
  { id: 'plus signs', render: sep('+') },
  { id: 'two spaces', render: sep('  ') },
  { id: 'four or more spaces', render: sep('     ') },
  { id: 'no-break spaces', render: sep('\u00a0') },
  { id: 'thin spaces', render: sep('\u2009') },
  { id: 'narrow no-break spaces', render: sep('\u202f') },
  { id: 'zero-width spaces', render: sep('\u200b') },
  { id: 'word joiners', render: sep('\u2060') },
  { id: 'ideographic spaces', render: sep('\u3000') },
  { id: 'en dashes', render: sep('\u2013') },
  { id: 'em dashes', render: sep('\u2014') },
  { id: 'dash with spaces around', render: sep(' - ') },
  { id: 'mixed separators', render: (d) => group(d, brandGrouping(d)).reduce((a, g, i) => (i === 0 ? g : a + [' ', '-', '.', '\u00a0'][i % 4] + g), '') },
  { id: '4-4-4-2 grouping', render: sep(' ', () => [4, 4, 4, 2, 4]) },
  { id: '4-6-5 grouping', render: sep(' ', () => [4, 6, 5, 4]) },
  { id: '8-8 grouping', render: sep(' ', () => [8, 8, 8]) },
  { id: '2-digit groups', render: sep(' ', () => [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]) },
  { id: '3-digit groups', render: sep(' ', () => [3, 3, 3, 3, 3, 3, 3]) },
  { id: 'one digit at a time', render: (d) => [...d].join(' ') },
  {
    id: 'irregular groups',
    render: (d, r) => {
      const sizes: number[] = [];
      for (let n = 0; n < d.length; ) {
        const s = int(r, 1, 6);
        sizes.push(s);
        n += s;
      }
      return group(d, sizes).join(' ');
    },
  },
  { id: 'full-width digits', render: (d) => group(d, brandGrouping(d)).map(toScript(0xff10)).join(' ') },
  { id: 'full-width digits and ideographic spaces', render: (d) => group(d, brandGrouping(d)).map(toScript(0xff10)).join('\u3000') },
  { id: 'Arabic-Indic digits', render: (d) => group(d, brandGrouping(d)).map(toScript(0x660)).join(' ') },
  { id: 'Eastern Arabic-Indic digits', render: (d) => toScript(0x6f0)(d) },
  { id: 'Devanagari digits', render: (d) => group(d, brandGrouping(d)).map(toScript(0x966)).join('-') },
  { id: 'Bengali digits', render: (d) => toScript(0x9e6)(d) },
  { id: 'Thai digits', render: (d) => group(d, brandGrouping(d)).map(toScript(0xe50)).join(' ') },
  { id: 'mathematical bold digits (astral)', render: (d) => group(d, brandGrouping(d)).map(toScript(0x1d7ce)).join(' ') },
  { id: 'mixed scripts', render: (d) => [...d].map((c, i) => (i % 3 === 0 ? toScript(0xff10)(c) : i % 3 === 1 ? toScript(0x660)(c) : c)).join('') },
  { id: '%20 in a URL', render: (d) => `https://shop.example/pay?card=${group(d, brandGrouping(d)).join('%20')}&ok=1` },
  { id: '%2D in a URL', render: (d) => `https://shop.example/p/${group(d, brandGrouping(d)).join('%2D')}` },
  { id: 'decimal character references', html: true, render: (d) => [...d].map((c) => `&#${48 + Number(c)};`).join('') },
  { id: 'hex character references', html: true, render: (d) => [...d].map((c, i) => (i % 2 === 0 ? `&#x${(48 + Number(c)).toString(16)};` : c)).join('') },
  { id: '&nbsp; between groups', html: true, render: sep('&nbsp;') },
  { id: '&#8203; between groups', html: true, render: sep('&#8203;') },
  {
    id: '<b> inside the number',
    html: true,
    render: (d) => {
      const g = group(d, brandGrouping(d));
      return `${g[0]} <b>${g.slice(1, 3).join(' ')}</b> ${g.slice(3).join(' ')}`;
    },
  },
  {
    id: '<span> with attributes inside',
    html: true,
    render: (d) =>
      group(d, brandGrouping(d))
        .map((x, i) => (i % 2 ? `<span style="color:#123456" class="c${i}">${x}</span>` : x))
        .join(' '),
  },
  { id: '<wbr> between groups', html: true, render: sep('<wbr>') },
  { id: 'tags around single digits', html: true, render: (d) => [...d].map((c, i) => (i % 5 === 2 ? `<i>${c}</i>` : c)).join('') },
  {
    id: 'split over two lines',
    lineBreaks: true,
    render: (d) => {
      const g = group(d, brandGrouping(d));
      return `${g.slice(0, 2).join(' ')}\n${g.slice(2).join(' ')}`;
    },
  },
  {
    id: 'split over CRLF lines',
    lineBreaks: true,
    render: (d) => {
      const g = group(d, brandGrouping(d));
      return `${g.slice(0, 1).join(' ')}\r\n${g.slice(1).join(' ')}`;
    },
  },
  {
    id: 'quoted reply lines',
    lineBreaks: true,
    render: (d) => {
      const g = group(d, brandGrouping(d));
      return `${g.slice(0, 2).join(' ')}\n> ${g.slice(2).join(' ')}`;
    },
  },
  {
    id: '<br> inside the number',
    lineBreaks: true,
    html: true,
    render: (d) => {
      const g = group(d, brandGrouping(d));
      return `${g.slice(0, 2).join(' ')}<br>\n${g.slice(2).join(' ')}`;
    },
  },
];

/** A random layout (optionally only those that work without line breaks / markup). */
export function pickLayout(rand: Rand, filter: (l: Layout) => boolean = () => true): Layout {
  return pick(rand, LAYOUTS.filter(filter));
}

/**
 * Writes the labelled redaction corpus (events/redact/redaction-corpus.jsonl) used by the redaction
 * benchmark (bench/redact.ts) and the corpus test: card numbers generated from the networks' test
 * card ranges in every layout of card-layouts.ts, near misses that must stay (order and tracking
 * numbers, phone numbers, valid IBANs, dates, amounts, invoice references, numbers failing Luhn, lone
 * security codes), and the hand-written lines of hand-written.jsonl. Deterministic (fixed seed).
 *
 * Run: `npx tsx scripts/redaction-corpus/generate-corpus.ts`
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { luhnValid } from '../../lambdas/shared/card/card-rules';
import { seededRandom } from '../../sandbox/faults/seeded-random';
import { group, LAYOUTS, makeCardNumber, TEST_CARDS } from './card-layouts';

export interface CorpusEntry {
  id: string;
  kind: 'card' | 'near-miss';
  category: string;
  text: string;
  /** The card numbers in the text (ASCII digits); empty for near misses. */
  cards: string[];
  html?: boolean;
  lineBreaks?: boolean;
}

const OUT = join(__dirname, '../../events/redact/redaction-corpus.jsonl');
const CARDS_PER_LAYOUT = 40;
const NEAR_MISSES_PER_CATEGORY = 120;

const rnd = seededRandom(20261129);
const rand = (): number => rnd.next();
const digits = (n: number): string => Array.from({ length: n }, () => String(rnd.int(0, 9))).join('');

const BEFORE = ['my card is', 'here you go:', 'Card number', 'pls charge', 'use this one', 'ok', 'number:', 'it is', 'Hi, card', 'try', ''];
const AFTER = ['thanks', 'exp 12/30', 'cvv 737', 'is that ok?', '', 'cheers', 'exp 03/29 cvc 123', 'for the order', '!'];

/**
 * A number that fails Luhn: change the last digit until it does, and the digit before it until no
 * 13–18-digit prefix passes either (such a prefix followed by more digits reads as a card and its
 * security code, "4111 1111 1111 1111 737", which no redactor should leave: not a near miss).
 */
function failLuhn(d: string): string {
  let out = d;
  const anyPasses = (x: string): boolean => {
    for (let n = 13; n <= x.length; n += 1) if (luhnValid(x.slice(0, n))) return true;
    return false;
  };
  for (let k = 0; anyPasses(out) && k < 100; k += 1) {
    const i = out.length - 1 - (k % Math.max(1, out.length - 12));
    out = out.slice(0, i) + String((Number(out[i]) + 1) % 10) + out.slice(i + 1);
  }
  return out;
}

function iban(country: string, bbanLength: number): string {
  const bban = digits(bbanLength);
  const numeric = `${bban + country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rest = 0;
  for (const ch of numeric) rest = (rest * 10 + Number(ch)) % 97;
  const check = String(98 - rest).padStart(2, '0');
  return `${country}${check}${bban}`.replace(/(.{4})/g, '$1 ').trim();
}

const NEAR_MISSES: Array<[string, () => string]> = [
  ['order number (Luhn fails)', () => `Your order ${failLuhn(`${rnd.int(1, 9)}${digits(rnd.int(12, 18))}`)} has shipped`],
  ['order number grouped (Luhn fails)', () => `order ${group(failLuhn(`4${digits(15)}`), [4, 4, 4, 4]).join(rnd.pick([' ', '-', '.']))} confirmed`],
  [
    '16-digit number failing Luhn in a card layout',
    () => `card ${rnd.pick(LAYOUTS.filter((l) => !l.lineBreaks && !l.html)).render(failLuhn(makeCardNumber(rand)), rand)} was declined`,
  ],
  ['short order number', () => `order #${digits(rnd.int(5, 10))} placed on 2026-11-${String(rnd.int(1, 28)).padStart(2, '0')}`],
  ['USPS tracking number', () => `tracking ${group(`94${digits(20)}`, [4, 4, 4, 4, 4, 2]).join(' ')}`],
  ['UPS tracking number', () => `UPS 1Z${digits(3)}AA1${digits(10)}`],
  ['FedEx tracking number', () => `FedEx ${digits(12)} arrives Friday`],
  ['US phone number', () => `call me at ${rnd.pick(['+1 ', '', '1-'])}(${digits(3)}) ${digits(3)}-${digits(4)}`],
  ['international phone number', () => `my number is +44 ${digits(2)} ${digits(4)} ${digits(4)} or +49 30 ${digits(8)}`],
  ['two phone numbers', () => `${digits(3)}-${digits(3)}-${digits(4)} or ${digits(3)}-${digits(3)}-${digits(4)}`],
  ['IBAN', () => `IBAN ${iban(rnd.pick(['DE', 'FR', 'ES', 'IT', 'NL', 'BE', 'AT', 'PL']), rnd.int(14, 24))}`],
  [
    'date and time',
    () =>
      `on ${String(rnd.int(1, 28)).padStart(2, '0')}/${String(rnd.int(1, 12)).padStart(2, '0')}/20${rnd.int(24, 30)} at ${rnd.int(0, 23)}:${String(rnd.int(0, 59)).padStart(2, '0')}, or 2026-${String(rnd.int(1, 12)).padStart(2, '0')}-${String(rnd.int(1, 28)).padStart(2, '0')}`,
  ],
  [
    'amount',
    () => `total ${rnd.pick(['$', '€', '£'])}${rnd.int(1, 999)},${digits(3)}.${digits(2)} and ${rnd.int(1, 99)} ${digits(3)} ${digits(3)},${digits(2)} EUR`,
  ],
  ['invoice reference', () => `invoice ${rnd.pick(['INV', 'RE', 'FAC'])}-20${rnd.int(20, 30)}-${digits(6)} / ${digits(4)}/${digits(6)}`],
  ['lone security code', () => `the code is ${digits(3)}, exp not needed`],
  ['member number (11 digits)', () => `member ${digits(11)}`],
];

function main(): void {
  const entries: CorpusEntry[] = [];
  for (const layout of LAYOUTS) {
    for (let k = 0; k < CARDS_PER_LAYOUT; k += 1) {
      const card = k < TEST_CARDS.length / 2 ? (TEST_CARDS[(k * 2 + LAYOUTS.indexOf(layout)) % TEST_CARDS.length] as string) : makeCardNumber(rand);
      const text = [rnd.pick(BEFORE), layout.render(card, rand), rnd.pick(AFTER)].filter((x) => x !== '').join(' ');
      entries.push({
        id: `card-${entries.length}`,
        kind: 'card',
        category: layout.id,
        text,
        cards: [card],
        ...(layout.html ? { html: true } : {}),
        ...(layout.lineBreaks ? { lineBreaks: true } : {}),
      });
    }
  }
  for (const [category, make] of NEAR_MISSES) {
    for (let k = 0; k < NEAR_MISSES_PER_CATEGORY; k += 1) entries.push({ id: `near-${entries.length}`, kind: 'near-miss', category, text: make(), cards: [] });
  }
  const hand = readFileSync(join(__dirname, 'hand-written.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  hand.forEach((line, k) => {
    const e = JSON.parse(line) as Omit<CorpusEntry, 'id'>;
    entries.push({
      id: `hand-${k}`,
      kind: e.kind,
      category: e.category,
      text: e.text,
      cards: e.cards ?? [],
      ...(e.html ? { html: true } : {}),
      ...(e.lineBreaks ? { lineBreaks: true } : {}),
    });
  });
  writeFileSync(OUT, `${entries.map((e) => JSON.stringify(e)).join('\n')}\n`);
  const cards = entries.filter((e) => e.kind === 'card').length;
  process.stdout.write(`wrote ${entries.length} entries (${cards} with card numbers, ${entries.length - cards} near misses) to ${OUT}\n`);
}

main();

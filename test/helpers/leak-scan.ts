/**
 * Reads everything a sandbox wrote or showed — logs, S3 objects, DynamoDB items, Step Functions
 * histories, SMA responses (actions and TransactionAttributes), agent-visible outcomes — and reports
 * every place a sentinel appears. Vault items are checked field by field: sealed fields must be
 * ciphertext, and nothing else may hold the sentinel.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from '../../sandbox/sandbox';
import type { EmulatedCall } from '../../sandbox/sma/emulator';
import type { ConnectContact } from '../../sandbox/connect/emulator';

export interface Artifact {
  where: string;
  text: string;
}

export async function collectArtifacts(sandbox: Sandbox, calls: EmulatedCall[], agentPayloads: unknown[]): Promise<Artifact[]> {
  const artifacts: Artifact[] = [];
  for (const file of readdirSync(sandbox.logDir)) artifacts.push({ where: `log ${file}`, text: readFileSync(join(sandbox.logDir, file), 'utf8') });
  for (const object of await sandbox.s3.listAllObjects())
    artifacts.push({ where: `s3 ${object.bucket}/${object.key}`, text: `${object.body.toString('latin1')} ${JSON.stringify(object.metadata)}` });
  for (const table of ['SessionTable', 'CardVaultTable']) {
    for (const item of await sandbox.dynamo.scanAll(table)) artifacts.push({ where: `dynamodb ${table}`, text: JSON.stringify(item) });
  }
  for (const execution of sandbox.sfn.executions()) {
    artifacts.push({ where: `sfn ${execution.name} input/output`, text: `${execution.input} ${execution.output ?? ''} ${execution.cause ?? ''}` });
    artifacts.push({ where: `sfn ${execution.name} history`, text: JSON.stringify(sandbox.sfn.history(execution.executionArn)) });
  }
  for (const call of calls) {
    for (const inv of call.invocations) {
      artifacts.push({ where: `sma response ${call.transactionId}#${inv.event.Sequence}`, text: JSON.stringify(inv.response ?? null) });
      artifacts.push({
        where: `sma attributes ${call.transactionId}#${inv.event.Sequence}`,
        text: JSON.stringify(inv.event.CallDetails.TransactionAttributes ?? {}),
      });
    }
  }
  agentPayloads.forEach((p, i) => artifacts.push({ where: `agent payload ${i}`, text: JSON.stringify(p) }));
  if (sandbox.connect) artifacts.push(...connectArtifacts(sandbox.connect.emulator.contacts()));
  return artifacts;
}

/**
 * What an Amazon Connect contact kept or showed: its contact attributes, the flow log written while
 * logging was on, every prompt's text, and what the flow's functions answered (`$.External`) and were
 * sent as contact data. The stored input passed to the capture function is ciphertext by design and is
 * scanned too (a clear card number there is a leak).
 */
export function connectArtifacts(contacts: ConnectContact[]): Artifact[] {
  const artifacts: Artifact[] = [];
  for (const c of contacts) {
    artifacts.push({ where: `connect attributes ${c.initialContactId}`, text: JSON.stringify(c.attributes) });
    c.flowLog.forEach((entry, i) => artifacts.push({ where: `connect flow log ${c.initialContactId}#${i}`, text: JSON.stringify(entry) }));
    artifacts.push({ where: `connect prompts ${c.initialContactId}`, text: JSON.stringify(c.prompts.map((p) => p.text)) });
    c.lambdaCalls.forEach((call, i) => {
      artifacts.push({ where: `connect function answer ${c.initialContactId}#${i}`, text: JSON.stringify(call.response ?? null) });
      artifacts.push({ where: `connect function event ${c.initialContactId}#${i}`, text: JSON.stringify(call.event) });
    });
  }
  return artifacts;
}

/** Encryption SDK messages (base64) in contact attributes or flow logs: ciphertext that must not be kept there. */
export function findStoredCiphertext(contacts: ConnectContact[]): string[] {
  const hits: string[] = [];
  const looksSealed = (text: string): boolean =>
    (text.match(/[A-Za-z0-9+/]{200,}={0,2}/g) ?? []).some((run) => {
      const head = Buffer.from(run.slice(0, 8), 'base64');
      return (head[0] === 0x01 && head[1] === 0x80) || head[0] === 0x02;
    });
  for (const c of contacts) {
    if (looksSealed(JSON.stringify(c.attributes))) hits.push(`ciphertext in the contact attributes of ${c.initialContactId}`);
    c.flowLog.forEach((entry, i) => {
      if (looksSealed(JSON.stringify(entry))) hits.push(`ciphertext in flow log entry ${i} (${entry.Identifier}) of ${c.initialContactId}`);
    });
  }
  return hits;
}

/** Most characters allowed between two digits of one written number (separators, spaces, leftovers of markup). */
const MAX_GAP = 8;
const CHAR_REFERENCE = /&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));?/g;
const JSON_ESCAPE = /\\u([0-9a-fA-F]{4})/g;
const TAG = /<\/?[A-Za-z][^<>]{0,200}>/g;
const LETTER = /\p{L}/u;
/** What separates values in JSON, query strings, logs and markup: a short sentinel must be a whole value. */
const VALUE_DELIMITERS = /["=:&,;{}[\]<>()|]/;

/**
 * The artifact as a reader would see it: JSON `\\u` escapes and numeric character references decoded,
 * inline tags dropped, NFKC, and every Unicode decimal digit (any script) as its ASCII digit.
 */
export function readableText(text: string): string {
  return text
    .replace(JSON_ESCAPE, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(CHAR_REFERENCE, (ref: string, hex: string | undefined, dec: string | undefined) => {
      const cp = hex !== undefined ? Number.parseInt(hex, 16) : Number(dec);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : ref;
    })
    .replace(TAG, '')
    .normalize('NFKC')
    .replace(/\p{Nd}/gu, (d) => {
      const cp = d.codePointAt(0) as number;
      let zero = cp;
      while (cp - zero < 9 && /\p{Nd}/u.test(String.fromCodePoint(zero - 1))) zero -= 1;
      return String((cp - zero) % 10);
    });
}

/** Runs of digits written as one number: at most MAX_GAP characters and no letter between two digits. */
export function writtenNumbers(readable: string): string[] {
  const runs: string[] = [];
  let run = '';
  let gap = 0;
  let letter = false;
  for (const ch of readable) {
    if (ch >= '0' && ch <= '9') {
      if (run !== '' && (gap > MAX_GAP || letter)) {
        runs.push(run);
        run = '';
      }
      run += ch;
      gap = 0;
      letter = false;
    } else {
      gap += 1;
      if (!letter && LETTER.test(ch)) letter = true;
    }
  }
  if (run !== '') runs.push(run);
  return runs;
}

/**
 * Places where a sentinel appears, however it is written: card numbers (long) with any separators,
 * digits of any script, character references or JSON escapes between or instead of their digits;
 * expiries and security codes (short) as a whole value or a stretch of letter-free words in one,
 * digits separated by anything but letters (`"12/30"`, `7 3 7`, `&#55;&#51;&#55;`); words that mix
 * letters and digits (hashes, ids) are not read as numbers.
 */
export function findSentinels(artifacts: Artifact[], sentinels: { long: string[]; short: string[] }): string[] {
  const hits: string[] = [];
  for (const a of artifacts) {
    const readable = readableText(a.text);
    const numbers = writtenNumbers(readable);
    for (const s of sentinels.long) if (numbers.some((n) => n.includes(s))) hits.push(`${s} in ${a.where}`);
    if (sentinels.short.length === 0) continue;
    const shortValues = new Set<string>();
    for (const value of readable.split(VALUE_DELIMITERS)) {
      // Words with letters (names, hex hashes, ids) break a stretch; digits inside them are not a value.
      let digits = '';
      for (const word of value.split(/\s+/)) {
        if (LETTER.test(word)) {
          if (digits.length > 0 && digits.length <= 4) shortValues.add(digits);
          digits = '';
        } else digits += word.replace(/\D/g, '');
      }
      if (digits.length > 0 && digits.length <= 4) shortValues.add(digits);
    }
    for (const s of sentinels.short) if (shortValues.has(s)) hits.push(`${s} in ${a.where}`);
  }
  return hits;
}

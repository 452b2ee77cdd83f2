/**
 * Finance outcomes: one record per secure session, written by End or Abort next to the audit trail
 * (outcomes/ prefix of the audit bucket, under Object Lock), read by `secure-ivr outcomes` and the
 * finance page. A record holds what a finance analyst needs — time, form, workgroup, agent, amount and
 * currency when the form has them, card brand, last four, result, details, transaction id, the gateway's
 * reusable token when the card was stored (tokenization; never the card) — and nothing
 * else: the form's other fields (names, account numbers) are not copied.
 *
 * An `unknown` outcome (sent, no usable answer: the card may have been charged) is its own result: its
 * own count and column, the amounts it may have taken, and never counted or ranked as a decline.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Outcome, SessionOutcome } from '../shared/session/contract';
import { csvField, mapLimited, type ObjectSource, type ProgressFn } from './audit-reader';
import { daysBetween, outcomeDayPrefix, outcomeKey } from './audit-layout';
import { s3Sdk } from '../shared/sdk';
import { readAuditConfig } from './audit-config';
import { s3Client } from '../shared/clients';
import { categoryOf, resultOf } from './outcome-categories';
import { OUTCOME_BINDING_DETAIL, outcomeRecordHash } from './outcome-binding';
import { gatewayTokenSyntaxProblem } from '../validator/gateway-token';

export interface OutcomeRecord {
  v: 1;
  /** When the session ended (UTC ISO 8601). */
  at: string;
  sessionId: string;
  transactionId?: string;
  formId: string;
  workgroup?: string;
  agentId: string;
  /** As the agent typed it (a decimal string); absent when the form has no amount field. */
  amount?: string;
  currency?: string;
  brand?: string;
  last4?: string;
  outcome: Outcome | 'aborted';
  details: string;
  /** For an abort: the error name behind it. */
  error?: string;
  /** The gateway's reusable token for the stored card (never the card), when the service returned one. */
  token?: string;
}

/** Form field ids read as the amount and the currency (first present wins). */
export const AMOUNT_FIELDS = ['charge amount', 'amount', 'payment amount'];
export const CURRENCY_FIELDS = ['currency', 'currency code'];
const AMOUNT = /^\d{1,12}(\.\d{1,4})?$/;
const CURRENCY = /^[A-Z]{3}$/;
const LAST4 = /^\d{4}$/;

const pick = (fields: Record<string, unknown> | undefined, names: string[]): string | undefined => {
  for (const n of names) {
    const v = fields?.[n];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
  }
  return undefined;
};
const shortText = (v: unknown, max = 128): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined);

export interface OutcomeSource {
  outcome: SessionOutcome;
  at: Date;
  formId?: unknown;
  agentId?: unknown;
  workgroup?: unknown;
  fields?: Record<string, unknown>;
}

/** Builds the finance record; values that do not look like an amount, currency or last four are left out. */
export function buildOutcomeRecord(src: OutcomeSource): OutcomeRecord {
  const { outcome } = src;
  const amount = pick(src.fields, AMOUNT_FIELDS);
  const currency = pick(src.fields, CURRENCY_FIELDS)?.toUpperCase();
  const workgroup = shortText(src.workgroup) ?? shortText(src.fields?.workgroup);
  return {
    v: 1,
    at: src.at.toISOString(),
    sessionId: outcome.sessionId,
    ...(outcome.transactionId ? { transactionId: outcome.transactionId } : {}),
    formId: shortText(src.formId) ?? 'unknown',
    ...(workgroup ? { workgroup } : {}),
    agentId: shortText(src.agentId) ?? 'unknown',
    ...(amount && AMOUNT.test(amount) ? { amount } : {}),
    ...(currency && CURRENCY.test(currency) ? { currency } : {}),
    ...(outcome.brand ? { brand: outcome.brand } : {}),
    ...(outcome.last4 && LAST4.test(outcome.last4) ? { last4: outcome.last4 } : {}),
    outcome: outcome.status,
    details: outcome.details,
    ...(outcome.error ? { error: outcome.error } : {}),
    ...(outcome.token && gatewayTokenSyntaxProblem(outcome.token) === undefined ? { token: outcome.token } : {}),
  };
}

export async function writeOutcomeRecord(s3: S3Client, bucket: string, record: OutcomeRecord): Promise<string> {
  const { PutObjectCommand } = await s3Sdk();
  const key = outcomeKey(record.at.slice(0, 10), record.sessionId.replace(/[^A-Za-z0-9._:-]/g, '_').slice(0, 128) || 'unknown');
  try {
    // Write once (the bucket policy refuses anything else): a repeated End finds its outcome already there.
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: `${JSON.stringify(record)}\n`,
        ContentType: 'application/json',
        ChecksumAlgorithm: 'SHA256',
        IfNoneMatch: '*',
      }),
    );
  } catch (err) {
    if (!(err instanceof Error && err.name === 'PreconditionFailed')) throw err;
  }
  return key;
}

/** Outcomes whose time falls in [from, to), oldest first. */
export async function readOutcomes(source: ObjectSource, window: { from: Date; to: Date }, progress?: ProgressFn): Promise<OutcomeRecord[]> {
  const keys: string[] = [];
  for (const day of daysBetween(window.from, window.to)) keys.push(...(await source.list(outcomeDayPrefix(day))).map((o) => o.key));
  const texts = await mapLimited(keys, 16, (k) => source.read(k), progress);
  const records: OutcomeRecord[] = [];
  for (const text of texts) {
    try {
      const r = JSON.parse(text) as OutcomeRecord;
      const at = Date.parse(r.at);
      if (at >= window.from.getTime() && at < window.to.getTime()) records.push(r);
    } catch {
      // Not an outcome record: skipped (the audit trail, not this view, is the evidence).
    }
  }
  return records.sort((a, b) => a.at.localeCompare(b.at) || a.sessionId.localeCompare(b.sessionId));
}

/** The finance page's filters: each given one must match exactly (form id, workgroup, agent id). */
export interface OutcomeFilter {
  formId?: string;
  workgroup?: string;
  agentId?: string;
}

/** The records the filter selects (all of them for an empty filter), order kept. */
export function filterOutcomes(records: OutcomeRecord[], filter: OutcomeFilter): OutcomeRecord[] {
  return records.filter(
    (r) =>
      (filter.formId === undefined || r.formId === filter.formId) &&
      (filter.workgroup === undefined || r.workgroup === filter.workgroup) &&
      (filter.agentId === undefined || r.agentId === filter.agentId),
  );
}

/** `result` and `category` (outcome-categories.ts) keep declines, sessions not completed and unknown outcomes apart. */
export const OUTCOME_CSV_COLUMNS = [
  'time',
  'form',
  'workgroup',
  'agent',
  'amount',
  'currency',
  'brand',
  'last4',
  'outcome',
  'details',
  'transactionId',
  'sessionId',
  'token',
  'result',
  'category',
] as const;

export function outcomesCsv(records: OutcomeRecord[]): string {
  const lines = [OUTCOME_CSV_COLUMNS.join(',')];
  for (const r of records)
    lines.push(
      [
        r.at,
        r.formId,
        r.workgroup,
        r.agentId,
        r.amount,
        r.currency,
        r.brand,
        r.last4,
        r.outcome,
        r.details,
        r.transactionId,
        r.sessionId,
        r.token,
        resultOf(r),
        categoryOf(r),
      ]
        .map(csvField)
        .join(','),
    );
  return `${lines.join('\r\n')}\r\n`;
}

export interface OutcomeSummary {
  sessions: number;
  accepted: number;
  declined: number;
  /** Sent with no usable answer: the card may have been charged (check with the gateway). */
  unknown: number;
  aborted: number;
  /** accepted / sessions (0 when there are none). */
  acceptanceRate: number;
  /** Accepted amounts per currency, as decimal strings (summed in minor units, no float drift). */
  acceptedAmounts: Record<string, string>;
  /** Amounts of unknown outcomes per currency: what may have been charged without confirmation. */
  unknownAmounts: Record<string, string>;
  /** Declined and aborted sessions by their details, most frequent first. */
  declinesByReason: Array<{ reason: string; count: number }>;
  /** Per UTC day: counts and accepted amounts per currency. */
  perDay: Array<{ day: string; accepted: number; declined: number; unknown: number; aborted: number; acceptedAmounts: Record<string, string> }>;
}

const NO_CURRENCY = '(none)';

function addAmount(totals: Map<string, bigint>, currency: string | undefined, amount: string | undefined): void {
  if (!amount) return;
  const [whole = '0', frac = ''] = amount.split('.');
  const minor = BigInt(whole) * 10_000n + BigInt(`${frac}0000`.slice(0, 4));
  const c = currency ?? NO_CURRENCY;
  totals.set(c, (totals.get(c) ?? 0n) + minor);
}

function formatTotals(totals: Map<string, bigint>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [c, minor] of [...totals.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const whole = minor / 10_000n;
    const frac = (minor % 10_000n)
      .toString()
      .padStart(4, '0')
      .replace(/0{1,2}$/, '');
    out[c] = `${whole}.${frac.length < 2 ? frac.padEnd(2, '0') : frac}`;
  }
  return out;
}

export function summarizeOutcomes(records: OutcomeRecord[]): OutcomeSummary {
  const totals = new Map<string, bigint>();
  const unknownTotals = new Map<string, bigint>();
  const reasons = new Map<string, number>();
  const days = new Map<string, { accepted: number; declined: number; unknown: number; aborted: number; totals: Map<string, bigint> }>();
  const counts = { accepted: 0, declined: 0, unknown: 0, aborted: 0 };
  for (const r of records) {
    const day = r.at.slice(0, 10);
    const d = days.get(day) ?? { accepted: 0, declined: 0, unknown: 0, aborted: 0, totals: new Map<string, bigint>() };
    days.set(day, d);
    // An outcome this version does not know is counted as aborted rather than dropped.
    const outcome = r.outcome in counts ? r.outcome : 'aborted';
    d[outcome] += 1;
    counts[outcome] += 1;
    if (outcome === 'accepted') {
      addAmount(totals, r.currency, r.amount);
      addAmount(d.totals, r.currency, r.amount);
    } else if (outcome === 'unknown') {
      addAmount(unknownTotals, r.currency, r.amount);
    } else {
      reasons.set(r.details || '(no details)', (reasons.get(r.details || '(no details)') ?? 0) + 1);
    }
  }
  return {
    sessions: records.length,
    ...counts,
    acceptanceRate: records.length === 0 ? 0 : counts.accepted / records.length,
    acceptedAmounts: formatTotals(totals),
    unknownAmounts: formatTotals(unknownTotals),
    declinesByReason: [...reasons.entries()]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    perDay: [...days.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([day, d]) => ({
        day,
        accepted: d.accepted,
        declined: d.declined,
        unknown: d.unknown,
        aborted: d.aborted,
        acceptedAmounts: formatTotals(d.totals),
      })),
  };
}

/** An outcome record built before the session's final event, with the hash that event will carry. */
export interface PreparedOutcome {
  bucket: string;
  record: OutcomeRecord;
  sha256: string;
}

interface OutcomeLogger {
  error(message: string, attrs: Record<string, unknown>): void;
}

/**
 * End and Abort call this first: the finance record (when the function has an audit bucket) and its hash,
 * which goes into the final event's details under OUTCOME_BINDING_DETAIL. Never throws.
 */
export function prepareOutcome(env: NodeJS.ProcessEnv, src: OutcomeSource, logger: OutcomeLogger): PreparedOutcome | undefined {
  try {
    const config = readAuditConfig(env);
    if (!config) return undefined;
    const record = buildOutcomeRecord(src);
    return { bucket: config.bucket, record, sha256: outcomeRecordHash(record) };
  } catch (err) {
    logger.error('outcome record not prepared', { sessionId: src.outcome.sessionId, error: err instanceof Error ? err.name : 'UnknownError' });
    return undefined;
  }
}

/** The final event's binding detail for a prepared record (none when there is no record). */
export function outcomeBinding(prepared: PreparedOutcome | undefined): Record<string, string> {
  return prepared ? { [OUTCOME_BINDING_DETAIL]: prepared.sha256 } : {};
}

/** Then, after the final event: stores the prepared record; never throws. */
export async function writePreparedOutcomeSafely(prepared: PreparedOutcome | undefined, logger: OutcomeLogger): Promise<void> {
  if (!prepared) return;
  try {
    await writeOutcomeRecord(await s3Client(), prepared.bucket, prepared.record);
  } catch (err) {
    // An alarm watches this line; `audit verify` reports the record as missing from its bound session.
    logger.error('outcome record not written', { sessionId: prepared.record.sessionId, error: err instanceof Error ? err.name : 'UnknownError' });
  }
}

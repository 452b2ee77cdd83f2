/**
 * What a finance team reads from payment outcomes: four results kept apart — accepted, declined by the
 * gateway, not completed (the caller hung up, the agent cancelled, card entry or the call failed), and
 * unknown (sent, no reply: check with the gateway) — each split into stable categories, with the free
 * text behind a category available on demand. Also the day-by-day series the finance page charts (every
 * day of the range, empty days included, amounts per currency).
 *
 * Pure and dependency-free: the finance API, the CLI and the finance page (bundled for the browser)
 * use this one definition. It reads only the outcome record's result, details and error name.
 */

export type OutcomeResult = 'accepted' | 'declined' | 'not-completed' | 'unknown';

export const OUTCOME_RESULTS: ReadonlyArray<{ id: OutcomeResult; label: string }> = [
  { id: 'accepted', label: 'Accepted' },
  { id: 'declined', label: 'Declined by the gateway' },
  { id: 'not-completed', label: 'Not completed' },
  { id: 'unknown', label: 'Status unknown' },
];

export const OUTCOME_CATEGORIES = [
  { id: 'accepted', result: 'accepted', label: 'Accepted' },
  { id: 'gateway-declined', result: 'declined', label: 'Declined by the gateway' },
  { id: 'caller-hung-up', result: 'not-completed', label: 'Caller hung up' },
  { id: 'agent-cancelled', result: 'not-completed', label: 'Cancelled by the agent' },
  { id: 'card-entry-failed', result: 'not-completed', label: 'Card entry failed (details not accepted by the IVR)' },
  { id: 'validation-service-failed', result: 'not-completed', label: 'Validation service failed (not sent, refused, or an unreadable reply)' },
  { id: 'recording-pause-failed', result: 'not-completed', label: 'Call recording could not be paused' },
  { id: 'telephony-failed', result: 'not-completed', label: 'Call could not be switched to the secure IVR' },
  { id: 'timed-out', result: 'not-completed', label: 'Secure session timed out' },
  { id: 'request-refused', result: 'not-completed', label: 'Request refused (form fields)' },
  { id: 'system-error', result: 'not-completed', label: 'System error' },
  { id: 'status-unknown', result: 'unknown', label: 'Sent, no reply: check with the gateway' },
] as const satisfies ReadonlyArray<{ id: string; result: OutcomeResult; label: string }>;

export type OutcomeCategory = (typeof OUTCOME_CATEGORIES)[number]['id'];

/** The fields of an outcome record this module reads. */
export interface CategorizableOutcome {
  outcome: string;
  details?: string;
  error?: string;
}

/** A request that was sent and got no usable reply: it may have been charged. */
const MAY_HAVE_BEEN_CHARGED = /outcome unknown|may have been processed|no reply from the validation service|payment status unknown/i;
/** Declines that never reached the gateway's decision: the service or our request failed first. */
const SERVICE_FAILED = /^(validation service|connection to the validation service|the request could not be|the form field)|was not sent/i;

const ABORT_ERRORS: Record<string, OutcomeCategory> = {
  AgentCancelled: 'agent-cancelled',
  CallerHungUp: 'caller-hung-up',
  RecordingPauseFailed: 'recording-pause-failed',
  TelephonyFailed: 'telephony-failed',
  TelephonyFailedError: 'telephony-failed',
  'States.Timeout': 'timed-out',
  SessionRequestRefused: 'request-refused',
};

/** Aborts recorded without an error name: read from the reason text the Abort stage writes. */
const ABORT_DETAILS: Array<[RegExp, OutcomeCategory]> = [
  [/cancelled by the agent/i, 'agent-cancelled'],
  [/caller hung up/i, 'caller-hung-up'],
  [/recording could not be paused/i, 'recording-pause-failed'],
  [/could not be switched to the secure IVR/i, 'telephony-failed'],
  [/timed out/i, 'timed-out'],
];

const CATEGORY_RESULT = new Map<string, OutcomeResult>(OUTCOME_CATEGORIES.map((c) => [c.id, c.result]));

/** The stable category of one outcome record. */
export function categoryOf(r: CategorizableOutcome): OutcomeCategory {
  const details = r.details ?? '';
  switch (r.outcome) {
    case 'accepted':
      return 'accepted';
    case 'unknown':
      return 'status-unknown';
    case 'declined':
      if (MAY_HAVE_BEEN_CHARGED.test(details)) return 'status-unknown';
      if (/^card details not accepted/i.test(details)) return 'card-entry-failed';
      if (/card data (is|was) no longer available|could not be protected/i.test(details)) return 'system-error';
      if (SERVICE_FAILED.test(details)) return 'validation-service-failed';
      return 'gateway-declined';
    default: {
      const byError = r.error ? ABORT_ERRORS[r.error] : undefined;
      if (byError) return byError;
      return ABORT_DETAILS.find(([pattern]) => pattern.test(details))?.[1] ?? 'system-error';
    }
  }
}

/** Accepted, declined by the gateway, not completed or unknown. */
export function resultOf(r: CategorizableOutcome): OutcomeResult {
  return CATEGORY_RESULT.get(categoryOf(r)) ?? 'not-completed';
}

export interface CategoryCount {
  id: OutcomeCategory;
  result: OutcomeResult;
  label: string;
  count: number;
  /** The free text behind the category, most frequent first (shown on demand). */
  details: Array<{ text: string; count: number }>;
}

export interface CategorySummary {
  /** Sessions per result, every result present (0 when none). */
  results: Record<OutcomeResult, number>;
  /** Categories that occurred, in the fixed order of OUTCOME_CATEGORIES. */
  categories: CategoryCount[];
  /** Gateway declines only, by their details (hang-ups and cancels are not declines). */
  declinesByReason: Array<{ reason: string; count: number }>;
}

const byCount = (a: { count: number; text: string }, b: { count: number; text: string }): number => b.count - a.count || a.text.localeCompare(b.text);

export function summarizeCategories(records: readonly CategorizableOutcome[]): CategorySummary {
  const results: Record<OutcomeResult, number> = { accepted: 0, declined: 0, 'not-completed': 0, unknown: 0 };
  const texts = new Map<OutcomeCategory, Map<string, number>>();
  for (const r of records) {
    const category = categoryOf(r);
    results[CATEGORY_RESULT.get(category) ?? 'not-completed'] += 1;
    const seen = texts.get(category) ?? new Map<string, number>();
    texts.set(category, seen);
    const text = r.details || '(no details)';
    seen.set(text, (seen.get(text) ?? 0) + 1);
  }
  const categories: CategoryCount[] = [];
  for (const c of OUTCOME_CATEGORIES) {
    const seen = texts.get(c.id);
    if (!seen) continue;
    const details = [...seen.entries()].map(([text, count]) => ({ text, count })).sort(byCount);
    categories.push({ id: c.id, result: c.result, label: c.label, count: details.reduce((n, d) => n + d.count, 0), details });
  }
  const declines = categories.find((c) => c.id === 'gateway-declined')?.details ?? [];
  return { results, categories, declinesByReason: declines.map((d) => ({ reason: d.text, count: d.count })) };
}

// ------------------------------------------------------------------ the day-by-day series

/** The fields of an outcome record the series reads. */
export interface DatedOutcome extends CategorizableOutcome {
  at: string;
  amount?: string;
  currency?: string;
}

export interface DayPoint {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  results: Record<OutcomeResult, number>;
  /** Accepted amounts per currency in minor units of 1/10 000 (exact), `(none)` when the form has no currency. */
  acceptedMinor: Record<string, number>;
}

export const NO_CURRENCY = '(none)';
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const AMOUNT = /^\d{1,12}(\.\d{1,4})?$/;

/** Every UTC day from `fromDay` to `toDay`, both included (at most 400). */
export function daysOf(fromDay: string, toDay: string): string[] {
  if (!DAY.test(fromDay) || !DAY.test(toDay)) return [];
  const days: string[] = [];
  const d = new Date(`${fromDay}T00:00:00.000Z`);
  const end = new Date(`${toDay}T00:00:00.000Z`).getTime();
  while (d.getTime() <= end && days.length < 400) {
    days.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return days;
}

export function minorUnits(amount: string | undefined): number {
  if (!amount || !AMOUNT.test(amount)) return 0;
  const [whole = '0', frac = ''] = amount.split('.');
  return Number(whole) * 10_000 + Number(`${frac}0000`.slice(0, 4));
}

/** Formats minor units of 1/10 000 with two decimals (more only when they are not zero). */
export function formatMinor(minor: number): string {
  const whole = Math.floor(minor / 10_000);
  const frac = String(minor % 10_000)
    .padStart(4, '0')
    .replace(/0{1,2}$/, '');
  return `${whole}.${frac.length < 2 ? frac.padEnd(2, '0') : frac}`;
}

/** One point per day of the range, days without sessions included (all zero). */
export function dailySeries(records: readonly DatedOutcome[], fromDay: string, toDay: string): DayPoint[] {
  const points = new Map(
    daysOf(fromDay, toDay).map((day) => [day, { day, results: { accepted: 0, declined: 0, 'not-completed': 0, unknown: 0 }, acceptedMinor: {} } as DayPoint]),
  );
  for (const r of records) {
    const point = points.get(r.at.slice(0, 10));
    if (!point) continue;
    const result = resultOf(r);
    point.results[result] += 1;
    if (result === 'accepted') {
      const currency = r.currency ?? NO_CURRENCY;
      point.acceptedMinor[currency] = (point.acceptedMinor[currency] ?? 0) + minorUnits(r.amount);
    }
  }
  return [...points.values()];
}

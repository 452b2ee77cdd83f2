/**
 * The audit bucket's layout, shared by the writers, the CLI and the Glue tables (Hive-style `day=`
 * partitions so Athena can project them):
 *   events/day=YYYY-MM-DD/stream=<session>/<seq, 8 digits>.json   one batch of hash-chained events (JSON
 *                                                                 lines), named by its first number
 *   digests/day=YYYY-MM-DD/<YYYY-MM-DDTHH>.json                   the signed hourly digest of the heads
 *   outcomes/day=YYYY-MM-DD/<session>.json                        one finance outcome per session
 * A stream stays under the day its first event was written, so a session crossing midnight is one chain.
 */

export const EVENTS_PREFIX = 'events/';
export const OUTCOMES_PREFIX = 'outcomes/';
export const DIGESTS_PREFIX = 'digests/';

/** The digest of an hour (`YYYY-MM-DDTHH`), filed under its day. */
export function digestKey(hour: string): string {
  return `${DIGESTS_PREFIX}day=${hour.slice(0, 10)}/${hour}.json`;
}

export function digestDayPrefix(day: string): string {
  return `${DIGESTS_PREFIX}day=${day}/`;
}

export const dayOf = (iso: string): string => iso.slice(0, 10);

export function eventKey(day: string, stream: string, seq: number): string {
  return `${EVENTS_PREFIX}day=${day}/stream=${stream}/${String(seq).padStart(8, '0')}.json`;
}

export function eventDayPrefix(day: string): string {
  return `${EVENTS_PREFIX}day=${day}/`;
}

const EVENT_KEY = /^events\/day=(\d{4}-\d{2}-\d{2})\/stream=([^/]+)\/(\d{1,12})\.json$/;

/** Stream and position from an event key; undefined for anything else. */
export function parseEventKey(key: string): { day: string; stream: string; seq: number } | undefined {
  const m = EVENT_KEY.exec(key);
  if (!m) return undefined;
  return { day: m[1] as string, stream: m[2] as string, seq: Number(m[3]) };
}

export function outcomeKey(day: string, sessionId: string): string {
  return `${OUTCOMES_PREFIX}day=${day}/${sessionId}.json`;
}

const OUTCOME_KEY = /^outcomes\/day=(\d{4}-\d{2}-\d{2})\/([^/]+)\.json$/;

/** Day and (storage-safe) session name from an outcome key; undefined for anything else. */
export function parseOutcomeKey(key: string): { day: string; name: string } | undefined {
  const m = OUTCOME_KEY.exec(key);
  return m ? { day: m[1] as string, name: m[2] as string } : undefined;
}

export function outcomeDayPrefix(day: string): string {
  return `${OUTCOMES_PREFIX}day=${day}/`;
}

/** Every UTC day from `from` to `to` inclusive (bounded: at most `maxDays`). */
export function daysBetween(from: Date, to: Date, maxDays = 3660): string[] {
  const days: string[] = [];
  const cursor = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  while (cursor.getTime() <= to.getTime() && days.length < maxDays) {
    days.push(cursor.toISOString().slice(0, 10));
    cursor.setUTCDate(cursor.getUTCDate() + 1);
  }
  return days;
}

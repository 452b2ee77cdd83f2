/**
 * Binds the finance outcome records to the audit chains and checks them: the audit chains they are bound to. End and Abort put the
 * SHA-256 of the record's canonical JSON (outcomes.ts outcomeRecordHash) into the session's final event
 * (session.ended / session.aborted, detail OUTCOME_BINDING_DETAIL); the final event is a link of the hash
 * chain, so the binding itself cannot be edited unnoticed. From that:
 *   - a record whose hash no final event of its session holds was edited (or added beside the real one);
 *   - a final event holding a hash with no record beside it lost its record (removed, or never written);
 *   - a record of a session with no chain, or whose final event binds nothing, was added from outside;
 *   - a record (or End's own outcome / data.destroyed events) saying the session finished while its chain
 *     stops before the final event means the chain's tail was removed: flagged at once, no grace period.
 *
 * Pure: takes what the reader fetched, returns findings.
 */
import { createHash } from 'node:crypto';
import { parseOutcomeKey } from './audit-layout';
import { canonicalJson } from './canonical-json';
import { recordHash, streamOf, TERMINAL_EVENT_TYPES, type AuditRecord, type Finding, type StoredRecord } from './hash-chain';
import type { OutcomeRecord } from './outcomes';

/** The final event's detail that holds the session's outcome record hash. */
export const OUTCOME_BINDING_DETAIL = 'outcomeSha256';

/** SHA-256 (hex) of the record's canonical JSON (RFC 8785): what its session's final event holds. */
export function outcomeRecordHash(record: OutcomeRecord): string {
  return createHash('sha256').update(canonicalJson(record)).digest('hex');
}

/** One stored outcome object as the verifier sees it. */
export interface StoredOutcome {
  key: string;
  text: string;
}

/** Events End and Abort write in the same batch just before the final event: a chain ending on one lost its tail. */
const CLOSING_EVENT_TYPES: ReadonlySet<string> = new Set(['outcome', 'data.destroyed']);

interface ChainFacts {
  /** Outcome hashes held by the stream's final events. */
  bindings: Set<string>;
  /** The stream holds a final event (session.ended / session.aborted). */
  terminal: boolean;
  lastType: string;
  lastSeq: number;
  lastKey: string;
}

function chainFacts(stored: StoredRecord[]): Map<string, ChainFacts> {
  const facts = new Map<string, ChainFacts>();
  for (const s of [...stored].sort((a, b) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : a.seq - b.seq))) {
    const f = facts.get(s.stream) ?? { bindings: new Set<string>(), terminal: false, lastType: '', lastSeq: 0, lastKey: s.key };
    facts.set(s.stream, f);
    let record: AuditRecord;
    try {
      record = JSON.parse(s.text) as AuditRecord;
      // Only intact records count: an altered one is the chain verifier's finding, and its binding proves nothing.
      if (typeof record?.event?.type !== 'string' || recordHash(record) !== record.hash) continue;
    } catch {
      continue;
    }
    f.lastType = record.event.type;
    f.lastSeq = s.seq;
    f.lastKey = s.key;
    if (TERMINAL_EVENT_TYPES.has(record.event.type)) {
      f.terminal = true;
      const bound = record.event.details?.[OUTCOME_BINDING_DETAIL];
      if (typeof bound === 'string') f.bindings.add(bound);
    }
  }
  return facts;
}

interface ReadOutcome {
  key: string;
  record: OutcomeRecord;
  hash: string;
}

function readOutcome(o: StoredOutcome): ReadOutcome | undefined {
  try {
    const record = JSON.parse(o.text) as OutcomeRecord;
    if (typeof record !== 'object' || record === null || typeof record.sessionId !== 'string' || typeof record.at !== 'string') return undefined;
    return { key: o.key, record, hash: outcomeRecordHash(record) };
  } catch {
    return undefined;
  }
}

/**
 * Findings for the outcome records of the verified streams. `stored`: the event records of the streams
 * in scope; `allStreams`: every stream the reader saw (so a record of a session outside the scope is
 * left alone); `window`: records of sessions with no chain at all are reported when their time is in it.
 */
export function verifyOutcomeBindings(
  stored: StoredRecord[],
  outcomes: StoredOutcome[],
  options: { allStreams: ReadonlySet<string>; window: { from: Date; to: Date } },
): Finding[] {
  const findings: Finding[] = [];
  const chains = chainFacts(stored);
  const byStream = new Map<string, ReadOutcome[]>();
  for (const o of outcomes) {
    const read = readOutcome(o);
    if (!read) {
      findings.push({
        kind: 'unreadable',
        stream: parseOutcomeKey(o.key)?.name ?? '',
        seq: 0,
        key: o.key,
        message: 'the object is not an outcome record',
      });
      continue;
    }
    const stream = streamOf({ sessionId: read.record.sessionId });
    if (!chains.has(stream)) {
      const at = Date.parse(read.record.at);
      if (!options.allStreams.has(stream) && at >= options.window.from.getTime() && at < options.window.to.getTime())
        findings.push({
          kind: 'outcome-unbound',
          stream,
          seq: 0,
          key: o.key,
          message: `an outcome record (${read.record.outcome}) exists for a session that has no audit chain: it was added outside any session`,
        });
      continue;
    }
    const list = byStream.get(stream) ?? [];
    list.push(read);
    byStream.set(stream, list);
  }
  for (const [stream, chain] of [...chains].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const records = (byStream.get(stream) ?? []).sort((a, b) => (a.key < b.key ? -1 : 1));
    const at = { stream, seq: chain.lastSeq };
    const matched = records.filter((r) => chain.bindings.has(r.hash));
    for (const extra of matched.slice(1))
      findings.push({
        ...at,
        kind: 'outcome-duplicate',
        key: extra.key,
        message: 'the session’s outcome record is stored more than once: finance would count the session twice',
      });
    let tailReported = false;
    for (const r of records.filter((x) => !chain.bindings.has(x.hash))) {
      if (!chain.terminal) {
        tailReported = true;
        findings.push({
          ...at,
          kind: 'tail-removed',
          key: r.key,
          message: `the outcome record says the session finished (${r.record.outcome}) but its chain stops at #${chain.lastSeq} without the session ending or aborting: its last records were removed`,
        });
      } else if (chain.bindings.size > 0) {
        findings.push({
          ...at,
          kind: matched.length > 0 ? 'outcome-unbound' : 'outcome-altered',
          key: r.key,
          message:
            matched.length > 0
              ? 'a second outcome record of the session, not the one its final event binds: it was added outside the session'
              : 'the outcome record does not match the hash its session’s final event holds: it was changed after it was written',
        });
      } else {
        findings.push({
          ...at,
          kind: 'outcome-unbound',
          key: r.key,
          message: 'the session’s final event binds no outcome record: this one was added outside the session (or predates outcome binding)',
        });
      }
    }
    if (records.length === 0 && chain.bindings.size > 0)
      findings.push({
        ...at,
        kind: 'outcome-missing',
        key: chain.lastKey,
        message: 'the session’s final event binds an outcome record that is not in the trail: it was removed (or End logged "outcome record not written")',
      });
    if (!tailReported && !chain.terminal && CLOSING_EVENT_TYPES.has(chain.lastType))
      findings.push({
        ...at,
        kind: 'tail-removed',
        key: chain.lastKey,
        message: `the chain stops at ${chain.lastType}, which End and Abort write just before the session's final event: the final event was removed`,
      });
  }
  return findings;
}

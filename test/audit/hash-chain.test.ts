/** The audit hash chain on its own: sealing, and every kind of tampering the verifier must name. */
import { canonicalJson } from '../../lambdas/audit/canonical-json';
import { GENESIS, sealRecord, verifyStreams, type AuditRecord, type StoredRecord } from '../../lambdas/audit/hash-chain';
import { eventKey } from '../../lambdas/audit/audit-layout';
import type { SessionEvent, SessionEventType } from '../../lambdas/shared/session/events';

const NOW = new Date('2026-11-22T13:00:00.000Z');
const TYPES: SessionEventType[] = ['begin.requested', 'session.begun', 'recording.paused', 'field.captured', 'outcome', 'data.destroyed', 'session.ended'];

function event(type: SessionEventType, i: number, sessionId = 's-1'): SessionEvent {
  return {
    type,
    sessionId,
    actor: { kind: 'system', id: 'test' },
    component: 'test',
    at: new Date(Date.UTC(2026, 10, 22, 10, 0, i)).toISOString(),
    success: true,
    details: { stage: `step-${i}` },
  };
}

function chain(sessionId = 's-1', types = TYPES): AuditRecord[] {
  const out: AuditRecord[] = [];
  types.forEach((t, i) => out.push(sealRecord(sessionId, i + 1, out[i - 1]?.hash ?? GENESIS, event(t, i, sessionId))));
  return out;
}

const stored = (records: AuditRecord[]): StoredRecord[] =>
  records.map((r) => ({ key: eventKey('2026-11-22', r.stream, r.seq), stream: r.stream, seq: r.seq, text: JSON.stringify(r) }));

describe('canonical JSON', () => {
  it('sorts keys at every level and drops undefined members so equal records hash equally', () => {
    // Prepare
    const a = { b: 1, a: { d: [1, 'x'], c: true }, e: undefined };
    const b = { a: { c: true, d: [1, 'x'] }, b: 1 };
    // Act
    const [ca, cb] = [canonicalJson(a), canonicalJson(b)];
    // Assess
    expect(ca).toBe('{"a":{"c":true,"d":[1,"x"]},"b":1}');
    expect(cb).toBe(ca);
  });
});

describe('verifying a chain', () => {
  it('accepts an intact, complete chain and reports its span', () => {
    // Act
    const report = verifyStreams(stored(chain()), { now: NOW });
    // Assess
    expect(report.findings).toEqual([]);
    expect(report.streams).toEqual([{ stream: 's-1', records: 7, firstAt: '2026-11-22T10:00:00.000Z', lastAt: '2026-11-22T10:00:06.000Z', complete: true }]);
  });

  it('names an altered record by its key', () => {
    // Prepare
    const records = stored(chain());
    const third = records[2] as StoredRecord;
    third.text = third.text.replace('"success":true', '"success":false');
    // Act
    const { findings } = verifyStreams(records, { now: NOW });
    // Assess
    expect(findings).toEqual([expect.objectContaining({ kind: 'altered', stream: 's-1', seq: 3, key: 'events/day=2026-11-22/stream=s-1/00000003.json' })]);
  });

  it('finds a deleted record as a gap at its number', () => {
    // Prepare
    const records = stored(chain()).filter((r) => r.seq !== 4);
    // Act
    const { findings } = verifyStreams(records, { now: NOW });
    // Assess
    expect(findings).toEqual([
      expect.objectContaining({ kind: 'gap', seq: 4, key: 'events/day=2026-11-22/stream=s-1/00000005.json', message: 'record 4 is missing before this one' }),
    ]);
  });

  it('finds two swapped records as misplaced and reordered', () => {
    // Prepare
    const records = stored(chain());
    const [a, b] = [records[3] as StoredRecord, records[4] as StoredRecord];
    [a.text, b.text] = [b.text, a.text];
    // Act
    const { findings } = verifyStreams(records, { now: NOW });
    // Assess
    expect(findings.filter((f) => f.kind === 'misplaced').map((f) => f.seq)).toEqual([4, 5]);
    expect(findings.some((f) => f.kind === 'reordered' && f.seq === 4)).toBe(true);
  });

  it('finds a removed tail once the session can no longer be running, and at once with the chain head', () => {
    // Prepare
    const records = stored(chain()).slice(0, 5);
    const head = chain()[6] as AuditRecord;
    // Act
    const early = verifyStreams(records, { now: new Date('2026-11-22T10:05:00.000Z') });
    const late = verifyStreams(records, { now: NOW });
    const withHead = verifyStreams(records, { now: new Date('2026-11-22T10:05:00.000Z'), heads: new Map([['s-1', { seq: head.seq, hash: head.hash }]]) });
    // Assess
    expect(early.findings).toEqual([]);
    expect(early.streams[0]?.complete).toBe(false);
    expect(late.findings.map((f) => [f.kind, f.seq])).toEqual([['incomplete', 5]]);
    expect(withHead.findings.map((f) => [f.kind, f.seq])).toEqual([['truncated', 6]]);
  });

  it('counts a session closed when only telephony wrap-up follows its end (Connect returns the caller after End)', () => {
    // Prepare
    const wrapped = stored(chain('s-w', [...TYPES, 'recording.resumed', 'agent.reconnected']));
    const reopened = stored(chain('s-r', [...TYPES, 'field.captured']));
    const onlyWrapUp = stored(chain('s-o', ['begin.requested', 'recording.resumed', 'agent.reconnected']));
    // Act
    const result = verifyStreams([...wrapped, ...reopened, ...onlyWrapUp], { now: NOW });
    // Assess: anything else after the end, or wrap-up without an end, is still an incomplete stream
    expect(result.streams.map((st) => [st.stream, st.complete])).toEqual([
      ['s-o', false],
      ['s-r', false],
      ['s-w', true],
    ]);
    expect(result.findings.map((f) => [f.kind, f.stream]).sort()).toEqual([
      ['incomplete', 's-o'],
      ['incomplete', 's-r'],
    ]);
  });

  it('finds a chain rewritten from scratch when the writer kept its head', () => {
    // Prepare: the forger re-seals every record with one detail changed.
    const genuine = chain();
    const forged: AuditRecord[] = [];
    genuine.forEach((r, i) =>
      forged.push(sealRecord(r.stream, r.seq, forged[i - 1]?.hash ?? GENESIS, { ...r.event, success: i === 3 ? false : r.event.success })),
    );
    const head = genuine[genuine.length - 1] as AuditRecord;
    // Act
    const { findings } = verifyStreams(stored(forged), { now: NOW, heads: new Map([['s-1', { seq: head.seq, hash: head.hash }]]) });
    // Assess
    expect(findings.map((f) => [f.kind, f.seq])).toEqual([['altered', 7]]);
  });

  it('reports an object that is not an audit record as unreadable', () => {
    // Prepare
    const records = stored(chain());
    (records[1] as StoredRecord).text = 'not json';
    // Act
    const { findings } = verifyStreams(records, { now: NOW });
    // Assess
    expect(findings[0]).toMatchObject({ kind: 'unreadable', seq: 2 });
  });
});

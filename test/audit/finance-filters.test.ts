/**
 * GET /api/outcomes with the finance page's filters (form, workgroup, agent), applied on the server to the
 * JSON and to the CSV download alike, behind the same rule as before: only a finance token reads outcomes.
 * Bad filter values get a 400 naming the parameter (never echoing the value). The outcome records are
 * served from an in-memory object source shaped like the audit bucket's outcomes/ prefix.
 */
import { outcomeDayPrefix, outcomeKey } from '../../lambdas/audit/audit-layout';
import type { ObjectSource } from '../../lambdas/audit/audit-reader';
import { handleFinanceRequest, parseOutcomeFilter } from '../../lambdas/audit/finance-api';
import { OUTCOME_CSV_COLUMNS, type OutcomeRecord } from '../../lambdas/audit/outcomes';
import type { AgentIdentity } from '../../lambdas/agent-api/agent-service';

const DAY = '2026-11-20';
const NOW = new Date('2026-11-29T12:00:00Z');
const FINANCE: AgentIdentity = { userId: 'fran', tokenRights: ['viewOutcomes'] };
const AGENT: AgentIdentity = { userId: 'alice' };

const record = (n: number, o: Partial<OutcomeRecord>): OutcomeRecord => ({
  v: 1,
  at: `${DAY}T10:0${n}:00.000Z`,
  sessionId: `s-${n}`,
  formId: 'card-payment',
  workgroup: 'payments',
  agentId: 'alice',
  amount: '10.00',
  currency: 'USD',
  outcome: 'accepted',
  details: 'Approved',
  ...o,
});

const RECORDS = [
  record(1, {}),
  record(2, { agentId: 'carol', workgroup: 'support' }),
  record(3, { formId: 'card-verify', agentId: 'carol', workgroup: 'support', outcome: 'declined', details: 'Declined - do not honour' }),
  record(4, { formId: 'card-verify' }),
  record(5, { workgroup: 'support, north' }),
];

const source: ObjectSource = {
  list: async (prefix) => (prefix === outcomeDayPrefix(DAY) ? RECORDS.map((r) => ({ key: outcomeKey(DAY, r.sessionId) })) : []),
  read: async (key) => JSON.stringify(RECORDS.find((r) => outcomeKey(DAY, r.sessionId) === key)),
};

async function get(query: string, who: AgentIdentity | 'anonymous' = FINANCE) {
  const identity = who === 'anonymous' ? undefined : who;
  const res = await handleFinanceRequest(
    { method: 'GET', url: new URL(`http://finance.test/api/outcomes?from=${DAY}&to=${DAY}${query}`), identity },
    { outcomes: async () => source, now: () => NOW },
  );
  if (!res) throw new Error('not a finance route');
  return { ...res, text: String(res.body) };
}

/** CSV rows (header dropped) as column → value objects. */
function rows(csv: string): Array<Record<string, string>> {
  const [header, ...lines] = csv.trimEnd().split('\r\n');
  expect(header).toBe(OUTCOME_CSV_COLUMNS.join(','));
  return lines.map((line) => {
    // The test data's only quoted field is the workgroup "support, north".
    const cells = line.match(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)?.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, '')) ?? [];
    return Object.fromEntries(OUTCOME_CSV_COLUMNS.map((c, i) => [c, cells[i] ?? '']));
  });
}

describe('the outcomes API with the finance page filters', () => {
  it('downloads only the rows of the chosen agent, workgroup and form as CSV, named after the filters', async () => {
    // Act
    const agent = await get('&agent=carol&format=csv');
    const both = await get('&agent=carol&form=card-verify&format=csv');
    const workgroup = await get(`&workgroup=${encodeURIComponent('support, north')}&format=csv`);
    // Assess
    expect(agent.status).toBe(200);
    expect(rows(agent.text).map((r) => [r.sessionId, r.agent])).toEqual([
      ['s-2', 'carol'],
      ['s-3', 'carol'],
    ]);
    expect(rows(both.text).map((r) => [r.sessionId, r.form, r.result, r.category])).toEqual([['s-3', 'card-verify', 'declined', 'gateway-declined']]);
    expect(both.headers['content-disposition']).toBe(`attachment; filename="outcomes-${DAY}-${DAY}-form-card-verify-agent-carol.csv"`);
    expect(rows(workgroup.text).map((r) => [r.sessionId, r.workgroup])).toEqual([['s-5', 'support, north']]);
  });

  it('applies the same filters to the JSON, its totals included, and echoes the filter it applied', async () => {
    // Act
    const res = await get('&workgroup=support');
    const body = JSON.parse(res.text) as { filter: unknown; outcomes: OutcomeRecord[]; summary: { sessions: number; accepted: number; declined: number } };
    // Assess
    expect(body.filter).toEqual({ workgroup: 'support' });
    expect(body.outcomes.map((r) => r.sessionId)).toEqual(['s-2', 's-3']);
    expect(body.summary).toMatchObject({ sessions: 2, accepted: 1, declined: 1 });
  });

  it('treats an empty filter as all, and a filter that matches nothing as an empty CSV with its header', async () => {
    // Act
    const all = await get('&form=&workgroup=&agent=&format=csv');
    const none = await get('&agent=nobody&format=csv');
    // Assess
    expect(rows(all.text)).toHaveLength(5);
    expect(none.text).toBe(`${OUTCOME_CSV_COLUMNS.join(',')}\r\n`);
  });

  it('refuses a repeated or a control-character filter with 400 naming the parameter, not the value', async () => {
    // Act
    const repeated = await get('&agent=alice&agent=carol&format=csv');
    const control = await get('&form=card%0A4111111111111111&format=csv');
    const long = await get(`&workgroup=${'w'.repeat(129)}`);
    // Assess
    expect([repeated.status, control.status, long.status]).toEqual([400, 400, 400]);
    expect(JSON.parse(repeated.text).problems).toEqual(['agent may be given once']);
    expect(JSON.parse(control.text).problems).toEqual(['form must be 1 to 128 characters without control characters']);
    expect(control.text).not.toContain('4111');
    expect(JSON.parse(long.text).problems).toEqual(['workgroup must be 1 to 128 characters without control characters']);
  });

  it('keeps the finance rule: an agent is refused 403 and no one signed in 401, filters or not', async () => {
    // Act
    const agent = await get('&agent=alice&format=csv', AGENT);
    const anonymous = await get('&agent=alice&format=csv', 'anonymous');
    // Assess
    expect(agent.status).toBe(403);
    expect(anonymous.status).toBe(401);
    expect(agent.text).not.toContain('s-1');
  });

  it('parses the filters alone (the CLI and the page use the same names)', () => {
    expect(parseOutcomeFilter(new URLSearchParams('form=f&workgroup=w&agent=a'))).toEqual({ filter: { formId: 'f', workgroup: 'w', agentId: 'a' } });
    expect(parseOutcomeFilter(new URLSearchParams(''))).toEqual({ filter: {} });
  });
});

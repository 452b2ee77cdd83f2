/**
 * The finance page: payment outcomes for a window of days, filterable by form, workgroup and agent.
 * Totals keep accepted, declined by the gateway, not completed and unknown apart; a stacked bar chart
 * shows sessions per day by result and another the accepted amount per day in one currency (Chart.js,
 * with axes, titles and the values on the bars), every day of the range included; the per-day table
 * holds the same figures for screen readers and copying; categories open onto the free text behind them.
 *
 * Data come from GET /api/outcomes (a finance user's bearer token: the identity provider's redirect
 * #id_token=… in AWS, the sandbox's local sign-in otherwise). The CSV download asks the same endpoint with
 * the selection's form, workgroup and agent, which the server applies. Results and categories come from
 * lambdas/audit/outcome-categories.ts, the same module the API and CSV use. Text is set with textContent.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip, type Plugin } from 'chart.js';
import {
  dailySeries,
  formatMinor,
  minorUnits,
  NO_CURRENCY,
  OUTCOME_CATEGORIES,
  OUTCOME_RESULTS,
  resultOf,
  categoryOf,
  summarizeCategories,
  type DatedOutcome,
  type OutcomeResult,
} from '../../lambdas/audit/outcome-categories';
import { $ } from './dom';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

const TOKEN_KEY = 'secure-ivr-finance-token';
const COLORS: Record<OutcomeResult, string> = { accepted: '#146c2e', declined: '#a4161a', 'not-completed': '#5b6472', unknown: '#b26a00' };
const RESULT_LABEL = new Map(OUTCOME_RESULTS.map((r) => [r.id, r.label]));
const CATEGORY_LABEL = new Map<string, string>(OUTCOME_CATEGORIES.map((c) => [c.id, c.label]));

/** An outcome record as GET /api/outcomes returns it (lambdas/audit/outcomes.ts OutcomeRecord). */
interface FinanceRow extends DatedOutcome {
  sessionId: string;
  formId: string;
  agentId: string;
  workgroup?: string;
  brand?: string;
  last4?: string;
  transactionId?: string;
  /** The gateway's reusable token for the stored card (tokenization), never the card. */
  token?: string;
}

let token: string | null = null;
let records: FinanceRow[] = [];
let shownFrom = '';
let shownTo = '';
const charts: { sessions?: Chart; amount?: Chart } = {};

class NotFinanceError extends Error {
  public constructor(reason: string) {
    super(reason);
    this.name = 'NotFinanceError';
  }
}

class SignedOutError extends Error {
  public constructor() {
    super('sign in first');
    this.name = 'SignedOutError';
  }
}

const day = (d: Date): string => d.toISOString().slice(0, 10);

function cell(row: HTMLTableRowElement, text: string | number | undefined, className?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text === undefined ? '' : String(text);
  if (className) td.className = className;
  row.append(td);
  return td;
}

function amountsText(totals: Record<string, number>): string {
  const parts = Object.keys(totals)
    .sort()
    .map((c) => `${formatMinor(totals[c] ?? 0)}${c === NO_CURRENCY ? '' : ` ${c}`}`);
  return parts.length ? parts.join(' · ') : '–';
}

// ------------------------------------------------------------------ sign-in and roles

async function authorized(url: string, accept: string): Promise<Response> {
  const res = await fetch(url, { headers: { accept, authorization: `Bearer ${token ?? ''}` } });
  if (res.status === 401) throw new SignedOutError();
  if (res.status === 403) {
    const body = (await res.json().catch(() => ({}))) as { reason?: string };
    throw new NotFinanceError(body.reason ?? 'payment outcomes are for finance users');
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { reason?: string; problems?: string[] };
    throw new Error(body.reason ?? (body.problems ?? ['the request failed']).join('; '));
  }
  return res;
}

function show(part: 'sign-in' | 'not-finance' | 'report'): void {
  $('sign-in').hidden = part !== 'sign-in';
  $('not-finance').hidden = part !== 'not-finance';
  $('report').hidden = part !== 'report';
  $('sign-out').hidden = part === 'sign-in';
}

async function showSignIn(reason = ''): Promise<void> {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  $('who').textContent = '';
  show('sign-in');
  $('sign-in-error').textContent = reason;
  // The sandbox lists its configured users; in AWS the identity provider signs finance users in.
  const body = (await fetch('/auth/users')
    .then((res) => (res.ok ? res.json() : { users: [] }))
    .catch(() => ({ users: [] }))) as { users: Array<{ id: string; name: string }> };
  $<HTMLSelectElement>('username').replaceChildren(...body.users.map((u) => new Option(u.name, u.id)));
  $('sign-in-form').hidden = body.users.length === 0;
  $('sign-in-note').textContent = body.users.length === 0 ? 'Sign in through your identity provider to see payment outcomes.' : '';
  $('sign-in-title').focus();
}

function notFinance(reason: string): void {
  show('not-finance');
  $('not-finance-text').textContent = `You are signed in, but ${reason}. Sign in as a finance user, or go back to the agent console.`;
  $('not-finance-title').focus();
}

$('sign-in-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void (async () => {
    const res = await fetch('/auth/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: $<HTMLSelectElement>('username').value }),
    });
    const body = (await res.json().catch(() => ({}))) as { token?: string; userId?: string; reason?: string; me?: { name?: string } };
    if (!res.ok || !body.token) {
      $('sign-in-error').textContent = `Sign-in failed: ${body.reason ?? 'try again'}`;
      return;
    }
    token = body.token;
    sessionStorage.setItem(TOKEN_KEY, token);
    $('who').textContent = `Signed in as ${body.me?.name ?? body.userId ?? ''}`;
    await load();
  })();
});

function signOut(): void {
  void showSignIn();
}
$('sign-out').addEventListener('click', signOut);
$('switch-user').addEventListener('click', signOut);

// ------------------------------------------------------------------ filters

function filterValues(): { form: string; workgroup: string; agent: string } {
  return { form: $<HTMLSelectElement>('form').value, workgroup: $<HTMLSelectElement>('workgroup').value, agent: $<HTMLSelectElement>('agent').value };
}

function fillFilter(id: string, all: string, values: Array<string | undefined>): void {
  const select = $<HTMLSelectElement>(id);
  const keep = select.value;
  const options = [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))].sort();
  select.replaceChildren(new Option(all, ''), ...options.map((v) => new Option(v, v)));
  select.value = options.includes(keep) ? keep : '';
}

function selected(): FinanceRow[] {
  const f = filterValues();
  return records.filter((r) => (!f.form || r.formId === f.form) && (!f.workgroup || r.workgroup === f.workgroup) && (!f.agent || r.agentId === f.agent));
}

for (const id of ['form', 'workgroup', 'agent', 'currency']) $(id).addEventListener('change', () => render());

// ------------------------------------------------------------------ charts

/** Writes each bar's value above it (non-zero only), so the figures are read without hovering. */
const barValues: Plugin<'bar'> = {
  id: 'barValues',
  afterDatasetsDraw(chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillStyle = '#1b1f24';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    const stacked = chart.options.scales?.y?.stacked === true;
    const labels = chart.data.labels ?? [];
    for (let i = 0; i < labels.length; i += 1) {
      if (stacked) {
        // The total of the stack, above its top segment.
        let total = 0;
        let top: { x: number; y: number } | undefined;
        chart.data.datasets.forEach((ds, d) => {
          const v = Number(ds.data[i] ?? 0);
          if (v > 0 && chart.isDatasetVisible(d)) {
            total += v;
            const el = chart.getDatasetMeta(d).data[i] as unknown as { x: number; y: number } | undefined;
            if (el && (!top || el.y < top.y)) top = el;
          }
        });
        if (total > 0 && top) ctx.fillText(String(total), top.x, top.y - 2);
      } else {
        const ds = chart.data.datasets[0];
        const v = Number(ds?.data[i] ?? 0);
        const el = chart.getDatasetMeta(0).data[i] as unknown as { x: number; y: number } | undefined;
        if (v > 0 && el) ctx.fillText(v.toFixed(2), el.x, el.y - 2);
      }
    }
    ctx.restore();
  },
};

function drawCharts(list: FinanceRow[]): void {
  const series = dailySeries(list, shownFrom, shownTo);
  const labels = series.map((p) => p.day.slice(5));
  const sessionsData = {
    labels,
    datasets: OUTCOME_RESULTS.map((r) => ({ label: r.label, data: series.map((p) => p.results[r.id]), backgroundColor: COLORS[r.id], stack: 'results' })),
  };
  const axisTitle = (text: string) => ({ display: true, text, color: '#4a5360', font: { weight: 600 as const } });
  const canvas = $<HTMLCanvasElement>('sessions-chart');
  charts.sessions?.destroy();
  charts.sessions = new Chart(canvas, {
    type: 'bar',
    data: sessionsData,
    options: {
      animation: false,
      maintainAspectRatio: false,
      layout: { padding: { top: 18 } },
      scales: {
        x: { stacked: true, title: axisTitle('Day (UTC, month-day)'), ticks: { autoSkip: false, maxRotation: 60 } },
        y: { stacked: true, beginAtZero: true, title: axisTitle('Sessions'), ticks: { precision: 0 } },
      },
      plugins: { legend: { position: 'bottom' }, tooltip: { mode: 'index' } },
    },
    plugins: [barValues],
  });
  canvas.dataset.days = String(series.length);

  const currencies = [...new Set(series.flatMap((p) => Object.keys(p.acceptedMinor)))].sort();
  const select = $<HTMLSelectElement>('currency');
  const keep = select.value;
  select.replaceChildren(...(currencies.length ? currencies : ['—']).map((c) => new Option(c === NO_CURRENCY ? 'no currency' : c, c)));
  select.value = currencies.includes(keep) ? keep : (currencies[0] ?? '—');
  const currency = select.value;
  const amountCanvas = $<HTMLCanvasElement>('amount-chart');
  charts.amount?.destroy();
  charts.amount = new Chart(amountCanvas, {
    type: 'bar',
    data: {
      labels,
      datasets: [
        {
          label: `Accepted amount${currency && currency !== '—' && currency !== NO_CURRENCY ? ` (${currency})` : ''}`,
          data: series.map((p) => (p.acceptedMinor[currency] ?? 0) / 10_000),
          backgroundColor: COLORS.accepted,
        },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      layout: { padding: { top: 18 } },
      scales: {
        x: { title: axisTitle('Day (UTC, month-day)'), ticks: { autoSkip: false, maxRotation: 60 } },
        y: { beginAtZero: true, title: axisTitle(currency && currency !== '—' && currency !== NO_CURRENCY ? `Amount (${currency})` : 'Amount') },
      },
      plugins: { legend: { display: false } },
    },
    plugins: [barValues],
  });
  amountCanvas.dataset.days = String(series.length);
  amountCanvas.dataset.currency = currency;

  $('per-day').replaceChildren(
    ...series.map((p) => {
      const tr = document.createElement('tr');
      const empty = Object.values(p.results).every((n) => n === 0);
      if (empty) tr.className = 'empty';
      cell(tr, p.day);
      for (const r of OUTCOME_RESULTS) cell(tr, p.results[r.id], 'num');
      cell(tr, amountsText(p.acceptedMinor), 'num');
      return tr;
    }),
  );
}

// ------------------------------------------------------------------ the report

function render(): void {
  const list = selected();
  const summary = summarizeCategories(list);
  const totals: Record<string, number> = {};
  for (const r of list) if (resultOf(r) === 'accepted') totals[r.currency ?? NO_CURRENCY] = (totals[r.currency ?? NO_CURRENCY] ?? 0) + minorUnits(r.amount);
  $('sessions').textContent = String(list.length);
  $('accepted').textContent = String(summary.results.accepted);
  $('declined').textContent = String(summary.results.declined);
  $('not-completed').textContent = String(summary.results['not-completed']);
  $('unknown').textContent = String(summary.results.unknown);
  $('rate').textContent = list.length ? `${((summary.results.accepted / list.length) * 100).toFixed(1)} %` : '–';
  $('amounts').textContent = amountsText(totals);

  drawCharts(list);

  $('categories').replaceChildren(
    ...(summary.categories.length === 0
      ? [
          (() => {
            const tr = document.createElement('tr');
            cell(tr, 'No sessions in this selection.').colSpan = 4;
            return tr;
          })(),
        ]
      : summary.categories.map((c) => {
          const tr = document.createElement('tr');
          tr.dataset.category = c.id;
          cell(tr, RESULT_LABEL.get(c.result));
          cell(tr, c.label);
          cell(tr, c.count, 'num');
          const td = cell(tr, '');
          const details = document.createElement('details');
          const summaryEl = document.createElement('summary');
          summaryEl.textContent = `${c.details.length} different text${c.details.length === 1 ? '' : 's'}`;
          const ul = document.createElement('ul');
          ul.append(
            ...c.details.map((d) => {
              const li = document.createElement('li');
              li.textContent = `${d.text} (${d.count})`;
              return li;
            }),
          );
          details.append(summaryEl, ul);
          td.append(details);
          return tr;
        })),
  );

  $('rows').replaceChildren(
    ...list
      .slice()
      .reverse()
      .map((o) => {
        const tr = document.createElement('tr');
        cell(tr, o.at.replace('T', ' ').slice(0, 19));
        cell(tr, o.formId);
        cell(tr, o.workgroup);
        cell(tr, o.agentId);
        cell(tr, o.amount ? `${o.amount}${o.currency ? ` ${o.currency}` : ''}` : '', 'num');
        cell(tr, o.last4 ? `${o.brand ?? 'card'} …${o.last4}` : '');
        cell(tr, RESULT_LABEL.get(resultOf(o)));
        cell(tr, CATEGORY_LABEL.get(categoryOf(o)));
        cell(tr, o.details);
        cell(tr, o.transactionId);
        cell(tr, o.token, 'token');
        return tr;
      }),
  );
  $('status').textContent = `${list.length} of ${records.length} sessions from ${shownFrom} to ${shownTo} (UTC).`;
  document.body.dataset.rendered = String(Number(document.body.dataset.rendered ?? '0') + 1);
}

async function load(): Promise<void> {
  if (!token) return showSignIn();
  const from = $<HTMLInputElement>('from').value;
  const to = $<HTMLInputElement>('to').value;
  try {
    const res = await authorized(`/api/outcomes?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, 'application/json');
    records = ((await res.json()) as { outcomes: FinanceRow[] }).outcomes;
  } catch (err) {
    if (err instanceof SignedOutError) return showSignIn('You were signed out: your sign-in has expired or the service was restarted. Sign in again.');
    if (err instanceof NotFinanceError) return notFinance(err.message);
    show('report');
    $('status').textContent = `Outcomes could not be loaded: ${err instanceof Error ? err.message : 'the request failed'}`;
    return;
  }
  shownFrom = from;
  shownTo = to;
  show('report');
  fillFilter(
    'form',
    'All forms',
    records.map((r) => r.formId),
  );
  fillFilter(
    'workgroup',
    'All workgroups',
    records.map((r) => r.workgroup),
  );
  fillFilter(
    'agent',
    'All agents',
    records.map((r) => r.agentId),
  );
  render();
}

$('window').addEventListener('submit', (e) => {
  e.preventDefault();
  void load();
});

$('csv').addEventListener('click', () => {
  if (!token) return void showSignIn();
  // The dates and filters shown (the last Show), the filters as chosen now: the server applies them, so
  // the file holds exactly the sessions of the selection.
  const from = shownFrom || $<HTMLInputElement>('from').value;
  const to = shownTo || $<HTMLInputElement>('to').value;
  const f = filterValues();
  const query = new URLSearchParams({ from, to });
  if (f.form) query.set('form', f.form);
  if (f.workgroup) query.set('workgroup', f.workgroup);
  if (f.agent) query.set('agent', f.agent);
  query.set('format', 'csv');
  void authorized(`/api/outcomes?${query.toString()}`, 'text/csv')
    .then(async (res) => ({ blob: await res.blob(), name: /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] }))
    .then(({ blob, name }) => {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = name ?? `outcomes-${from}-${to}.csv`;
      document.body.append(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    })
    .catch((err: unknown) => {
      $('status').textContent = `The CSV could not be downloaded: ${err instanceof Error ? err.message : 'the request failed'}`;
    });
});

// ------------------------------------------------------------------ start

const today = new Date();
$<HTMLInputElement>('to').value = day(today);
$<HTMLInputElement>('from').value = day(new Date(today.getTime() - 29 * 86_400_000));
const hash = new URLSearchParams(window.location.hash.slice(1));
const handed = hash.get('id_token') ?? hash.get('access_token');
if (handed) history.replaceState(null, '', window.location.pathname);
token = handed ?? sessionStorage.getItem(TOKEN_KEY);
if (handed) sessionStorage.setItem(TOKEN_KEY, handed);
if (token) {
  $('who').textContent = 'Signed in';
  void load();
} else void showSignIn();

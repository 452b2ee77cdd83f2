/** Step Functions task: Begin. */
import { readFileSync } from 'node:fs';
import { createLogger } from '../../shared/logging';
import { ENV, type SessionContext } from '../../shared/session/contract';
import { parseFormsConfig, type FormsConfig } from '../../shared/session/forms';
import { stageDeps } from '../stage-deps';
import { beginSession } from './begin';

const logger = createLogger('session-begin');
let forms: FormsConfig | undefined;
let deps: ReturnType<typeof stageDeps> | undefined;

/** FORMS_JSON holds the forms (set by the stack); FORMS_FILE names a file instead (sandbox). */
export function loadForms(env: NodeJS.ProcessEnv): FormsConfig {
  const text = env[ENV.formsJson] ?? (env.FORMS_FILE ? readFileSync(env.FORMS_FILE, 'utf8') : undefined);
  if (!text) throw new Error(`${ENV.formsJson} is not set: the function has no forms to check requests against`);
  return parseFormsConfig(JSON.parse(text));
}

export const handler = async (event: unknown): Promise<SessionContext> => {
  forms ??= loadForms(process.env);
  deps ??= stageDeps(process.env, { sessions: true }, 'session-begin', logger);
  const request = (typeof event === 'object' && event !== null ? event : {}) as Partial<Record<'sessionId' | 'agentId' | 'callTransactionId' | 'formId', unknown>>;
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length <= 128 ? v : undefined);
  const base = {
    sessionId: text(request.sessionId) ?? 'unknown',
    actor: { kind: 'agent' as const, id: text(request.agentId) ?? 'unknown' },
    ...(text(request.callTransactionId) ? { callTransactionId: text(request.callTransactionId) } : {}),
  };
  await deps.emit('begin.requested', base, true, { formId: text(request.formId) ?? 'unknown' });
  try {
    const context = await beginSession(await deps.sessions(), forms, event);
    logger.info('session begun', { sessionId: context.sessionId, transactionId: context.transactionId, formId: context.formId, agentId: context.agentId });
    await deps.emit('session.begun', { ...base, transactionId: context.transactionId }, true, { formId: context.formId });
    return context;
  } catch (err) {
    const refused = err instanceof Error && err.name === 'SessionRequestRefused';
    logger.warn('session not begun', { error: err instanceof Error ? err.name : 'UnknownError', reason: refused ? err.message : undefined });
    await deps.emit('begin.refused', base, false, { reason: refused ? err.message : `internal error (${err instanceof Error ? err.name : 'UnknownError'})` });
    throw err;
  }
};

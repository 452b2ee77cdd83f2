/**
 * Configuration and clients shared by the session stage handlers, read once per container.
 */
import { EnvReader } from '../shared/config';
import { documentClient, voiceClient } from '../shared/clients';
import { ENV } from '../shared/session/contract';
import type { SessionStoreDeps } from '../shared/session/session-store';
import { ChimeSmaTelephony, type Telephony } from './telephony';

export interface StageDeps {
  sessions(): Promise<SessionStoreDeps>;
  vaultTable: string;
  telephony: Telephony;
  now: () => Date;
}

/** Builds the stage dependencies; `needs` lists the settings this stage cannot run without. */
export function stageDeps(env: NodeJS.ProcessEnv, needs: { sessions?: boolean; vault?: boolean; telephony?: boolean }): StageDeps {
  const r = new EnvReader(env);
  const sessionTable = needs.sessions ? r.required(ENV.sessionTable) : '';
  const vaultTable = needs.vault ? r.required(ENV.vaultTable) : '';
  const smaId = needs.telephony ? r.required(ENV.smaId) : '';
  r.done();
  const now = (): Date => new Date();
  return {
    now,
    vaultTable,
    sessions: async () => ({ ddb: await documentClient(), tableName: sessionTable, now }),
    telephony: new ChimeSmaTelephony(voiceClient, smaId),
  };
}

/**
 * How a CLI command finds a sandbox already running on the same data directory: `npm start` writes
 * <dataDir>/sandbox.json with its API address and pid, and removes it on exit.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SandboxInfo {
  pid: number;
  apiUrl: string;
  startedAt: string;
  validationUrl: string;
  /** The telephony the sandbox runs (absent: chime, as before the Connect telephony existed). */
  telephony?: 'chime' | 'connect';
  /** Its DynamoDB endpoint (the engine holds the data directory's lock): `audit verify --chain-table` reads the heads there. */
  dynamodbEndpoint?: string;
}

const file = (dataDir: string): string => join(dataDir, 'sandbox.json');

export function writeSandboxInfo(dataDir: string, info: SandboxInfo): void {
  writeFileSync(file(dataDir), `${JSON.stringify(info, null, 2)}\n`);
}

export function removeSandboxInfo(dataDir: string): void {
  rmSync(file(dataDir), { force: true });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The running sandbox for this data directory, if any (a stale file from a dead process is ignored). */
export function findRunningSandbox(dataDir: string): SandboxInfo | undefined {
  if (!existsSync(file(dataDir))) return undefined;
  try {
    const info = JSON.parse(readFileSync(file(dataDir), 'utf8')) as SandboxInfo;
    return typeof info.pid === 'number' && info.pid !== process.pid && alive(info.pid) && typeof info.apiUrl === 'string' ? info : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where the secure input configuration (forms, workgroups, rights — config/secure-ivr.json) comes from at
 * run time, for every function that needs it (Begin and the agent API): an SSM parameter in AWS (written
 * by the stack from the file checked at synth; a parameter is not bound by Lambda's 4 KB environment
 * limit), the file itself in the sandbox, or inline JSON in tests. One loader, so both read and check the
 * very same configuration the same way.
 */
import { readFile } from 'node:fs/promises';
import { ENV } from './contract';
import type { FormsConfig } from './forms';
import { parseFormsConfig } from './forms-config';
import { ssmSdk } from '../sdk';

export class SecureInputConfigMissingError extends Error {
  public constructor() {
    super(
      `The secure input configuration is not reachable: set ${ENV.secureInputConfigParameter} (AWS), ${ENV.secureInputConfigFile} (sandbox) or ${ENV.secureInputConfigJson} (tests)`,
    );
    this.name = 'SecureInputConfigMissingError';
  }
}

export class SecureInputConfigUnreadableError extends Error {
  public constructor(where: string) {
    super(`The secure input configuration in ${where} is empty or not JSON; redeploy the stack or fix the file`);
    this.name = 'SecureInputConfigUnreadableError';
  }
}

export interface ConfigSourcePorts {
  /** Reads a String parameter's value (SSM GetParameter). */
  getParameter(name: string): Promise<string | undefined>;
  readFile(path: string): Promise<string>;
}

async function ssmParameter(name: string): Promise<string | undefined> {
  const { SSMClient, GetParameterCommand } = await ssmSdk();
  const out = await new SSMClient({ maxAttempts: 3 }).send(new GetParameterCommand({ Name: name }));
  return out.Parameter?.Value;
}

const DEFAULT_PORTS: ConfigSourcePorts = { getParameter: ssmParameter, readFile: (path) => readFile(path, 'utf8') };

/** Loads and checks the configuration: inline JSON first, then the SSM parameter, then the file. */
export async function loadSecureInputConfig(env: NodeJS.ProcessEnv, ports: ConfigSourcePorts = DEFAULT_PORTS): Promise<FormsConfig> {
  const inline = env[ENV.secureInputConfigJson];
  const parameter = env[ENV.secureInputConfigParameter];
  const file = env[ENV.secureInputConfigFile];
  let text: string | undefined;
  let where: string;
  if (inline) {
    text = inline;
    where = ENV.secureInputConfigJson;
  } else if (parameter) {
    text = await ports.getParameter(parameter);
    where = `the SSM parameter ${ENV.secureInputConfigParameter} names`;
  } else if (file) {
    text = await ports.readFile(file);
    where = `the file ${ENV.secureInputConfigFile} names`;
  } else {
    throw new SecureInputConfigMissingError();
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text ?? '');
  } catch {
    throw new SecureInputConfigUnreadableError(where);
  }
  return parseFormsConfig(raw);
}

/**
 * A per-container cache of the configuration: loaded on first use, loaded again on the next call if the
 * first load failed (a throttled GetParameter must not poison the container).
 */
export function cachedSecureInputConfig(load: () => Promise<FormsConfig>): () => Promise<FormsConfig> {
  let pending: Promise<FormsConfig> | undefined;
  return () => {
    pending ??= load().catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
}

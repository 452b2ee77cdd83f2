/**
 * The one loader Begin and the agent API share for the secure input configuration: SSM parameter in AWS,
 * the file in the sandbox, inline JSON in tests — checked the same way, with clear errors.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cachedSecureInputConfig,
  loadSecureInputConfig,
  SecureInputConfigMissingError,
  SecureInputConfigUnreadableError,
  type ConfigSourcePorts,
} from '../../../lambdas/shared/session/config-source';
import { loadSecureInputConfig as agentApiLoader } from '../../../lambdas/agent-api/runtime';
import { FormsConfigError } from '../../../lambdas/shared/session/forms';

const FILE = join(__dirname, '..', '..', '..', 'config', 'secure-ivr.json');
const TEXT = readFileSync(FILE, 'utf8');

function ports(parameters: Record<string, string | undefined>): ConfigSourcePorts & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    getParameter: async (name) => {
      asked.push(name);
      return parameters[name];
    },
    readFile: async () => {
      throw new Error('no file reads expected');
    },
  };
}

describe('the secure input configuration loader', () => {
  it('reads the SSM parameter the stack names, and nothing else, in AWS', async () => {
    // Prepare
    const p = ports({ 'SecureInputConfig-abc': TEXT });
    // Act
    const config = await loadSecureInputConfig({ SECURE_INPUT_CONFIG_PARAMETER: 'SecureInputConfig-abc' }, p);
    // Assess
    expect(p.asked).toEqual(['SecureInputConfig-abc']);
    expect(config.forms.map((f) => f.id)).toEqual(['card-payment', 'card-verify']);
    expect(config.workgroups?.map((g) => g.id)).toEqual(['payments', 'support', 'supervisors']);
  });

  it('reads the file the sandbox names', async () => {
    // Act
    const config = await loadSecureInputConfig({ FORMS_FILE: FILE });
    // Assess
    expect(config.users?.some((u) => u.id === 'fran')).toBe(true);
  });

  it('is the same loader the agent API uses', () => {
    expect(agentApiLoader).toBe(loadSecureInputConfig);
  });

  it('refuses when no source is set, naming the settings', async () => {
    // Act
    const act = loadSecureInputConfig({});
    // Assess
    await expect(act).rejects.toBeInstanceOf(SecureInputConfigMissingError);
    await expect(act).rejects.toThrow(/SECURE_INPUT_CONFIG_PARAMETER.*FORMS_FILE/);
  });

  it('refuses a parameter that is empty or not JSON without quoting it', async () => {
    // Act
    const act = loadSecureInputConfig({ SECURE_INPUT_CONFIG_PARAMETER: 'p' }, ports({ p: '{"forms": 4111111111111111' }));
    // Assess
    await expect(act).rejects.toBeInstanceOf(SecureInputConfigUnreadableError);
    await expect(act).rejects.not.toThrow(/4111111111111111/);
  });

  it('checks the configuration it loads with every problem named', async () => {
    // Act
    const act = loadSecureInputConfig({ SECURE_INPUT_CONFIG_JSON: JSON.stringify({ forms: [{ id: 'Bad', type: 'x', fields: [] }] }) });
    // Assess
    await expect(act).rejects.toBeInstanceOf(FormsConfigError);
    await expect(act).rejects.toThrow(/forms\[0\]\.id.*forms\[0\]\.type.*forms\[0\]\.title/);
  });

  it('loads once per container, and again after a failed load', async () => {
    // Prepare
    let calls = 0;
    const load = async () => {
      calls += 1;
      if (calls === 1) throw new Error('ThrottlingException');
      return loadSecureInputConfig({ SECURE_INPUT_CONFIG_JSON: TEXT });
    };
    const cached = cachedSecureInputConfig(load);
    // Act
    await expect(cached()).rejects.toThrow('ThrottlingException');
    const first = await cached();
    const second = await cached();
    // Assess
    expect(calls).toBe(2);
    expect(second).toBe(first);
  });
});

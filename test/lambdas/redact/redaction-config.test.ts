import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CARD_CONTEXT_ID, DEFAULT_FILTER_ID, loadRedactionConfig, parseRedactionConfig, RedactionConfigError } from '../../../lambdas/redact/redaction-config';
import { Redactor, type RedactionTally } from '../../../lambdas/redact/redactor';

const CONFIG_PATH = join(__dirname, '../../../config/redaction.json');

function configError(run: () => unknown): RedactionConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof RedactionConfigError) return error;
    throw error;
  }
  throw new Error('expected a RedactionConfigError');
}

describe('redaction configuration', () => {
  it('loads the shipped default: card filter on and the US SSN rule', () => {
    // Prepare
    const redactor = new Redactor(parseRedactionConfig(readFileSync(CONFIG_PATH, 'utf8')));
    const tally: RedactionTally = {};
    // Act
    const out = redactor.redact('card 4111 1111 1111 1111, ssn 123-45-6789, order 4471902, phone 555-867-5309', tally);
    // Assess
    expect(out).toBe('card #### #### #### ####, ssn ###-##-####, order 4471902, phone 555-867-5309');
    expect(tally).toEqual({ [DEFAULT_FILTER_ID]: 1, 'us-ssn': 1 });
    expect(redactor.ruleIds()).toEqual([DEFAULT_FILTER_ID, CARD_CONTEXT_ID, 'us-ssn']);
  });

  it('keeps additional rules working when the default filter is switched off', () => {
    // Prepare
    const config = JSON.parse(readFileSync(CONFIG_PATH, 'utf8')) as { defaultFilter: { enabled: boolean } };
    config.defaultFilter.enabled = false;
    const redactor = new Redactor(loadRedactionConfig(config));
    const tally: RedactionTally = {};
    // Act
    const out = redactor.redact('card 4111 1111 1111 1111, ssn 123-45-6789', tally);
    // Assess
    expect(out).toBe('card 4111 1111 1111 1111, ssn ###-##-####');
    expect(tally).toEqual({ 'us-ssn': 1 });
  });

  it('applies fixed-text and mask-all replacements', () => {
    // Prepare
    const redactor = new Redactor(
      loadRedactionConfig({
        defaultFilter: { enabled: true },
        additionalRules: [
          { id: 'password', pattern: String.raw`(?<=password: )\S+`, flags: 'i', replacement: { strategy: 'fixed', text: '[removed]' } },
          { id: 'postcode', pattern: String.raw`\b[A-Z]{2}\d \d[A-Z]{2}\b`, replacement: { strategy: 'mask-all' } },
        ],
      }),
    );
    const tally: RedactionTally = {};
    // Act
    const out = redactor.redact('Password: hunter2 at SW1 2AA', tally);
    // Assess
    expect(out).toBe('Password: [removed] at ### ###');
    expect(tally).toEqual({ password: 1, postcode: 1 });
  });

  it('skips a rule that is disabled but still checks it', () => {
    // Prepare
    const doc = { defaultFilter: { enabled: true }, additionalRules: [{ id: 'off', pattern: 'abc', enabled: false }] };
    // Act
    const redactor = new Redactor(loadRedactionConfig(doc));
    // Assess
    expect(redactor.ruleIds()).toEqual([DEFAULT_FILTER_ID, CARD_CONTEXT_ID]);
    expect(() => loadRedactionConfig({ ...doc, additionalRules: [{ id: 'off', pattern: '(a+)+', enabled: false }] })).toThrow(RedactionConfigError);
  });

  it('refuses hostile expressions naming every rule id and every problem at once', () => {
    // Prepare
    const doc = {
      defaultFilter: { enabled: true },
      additionalRules: [
        { id: 'nested', pattern: '(a+)+$' },
        { id: 'overlap', pattern: '(a|a)*b' },
        { id: 'digits', pattern: String.raw`(\d+)*x` },
        { id: 'fine', pattern: String.raw`\d{3}` },
      ],
    };
    // Act
    const error = configError(() => loadRedactionConfig(doc));
    // Assess
    expect(error.problems).toHaveLength(3);
    expect(error.message).toContain('rule "nested": nested quantifiers');
    expect(error.message).toContain('rule "overlap": overlapping alternatives');
    expect(error.message).toContain('rule "digits": nested quantifiers');
    expect(error.message).not.toContain('"fine"');
  });

  it('never puts the pattern text in the error message', () => {
    // Prepare
    const pattern = '(4111111111111111+)+';
    // Act
    const error = configError(() => loadRedactionConfig({ defaultFilter: { enabled: true }, additionalRules: [{ id: 'leaky', pattern }] }));
    // Assess
    expect(error.message).not.toContain('4111111111111111');
    expect(error.message).toContain('at character');
  });

  it('reports structural problems together: ids, duplicates, strategies, unknown settings', () => {
    // Prepare
    const doc = {
      defaultFilter: { enabled: 'yes' },
      additionalRules: [
        { id: 'Bad Id', pattern: 'a' },
        { id: 'dup', pattern: 'a' },
        { id: 'dup', pattern: 'b' },
        { id: 'fix', pattern: 'c', replacement: { strategy: 'fixed', text: 'no 1' } },
        { id: 'nopattern' },
      ],
      extra: true,
    };
    // Act
    const error = configError(() => loadRedactionConfig(doc));
    // Assess
    expect(error.problems).toEqual(
      expect.arrayContaining([
        'unknown setting "extra"',
        'defaultFilter must be { "enabled": true | false, "expiryAndSecurityCode"?: true | false }',
        'additional rule #1 needs an id of lower-case letters, digits and dashes (at most 64)',
        'rule "dup" uses an id that is already taken',
        'rule "fix": a fixed replacement needs text of at most 64 characters without digits or line breaks',
        'rule "nopattern": pattern must be text',
      ]),
    );
  });

  it('refuses text that is not JSON', () => {
    // Act
    const error = configError(() => parseRedactionConfig('{ defaultFilter: yes'));
    // Assess
    expect(error.problems).toEqual(['the configuration is not valid JSON']);
  });
});

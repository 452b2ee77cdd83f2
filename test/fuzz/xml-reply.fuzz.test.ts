/**
 * Fuzzes parseReply (P15, PCI DSS 6.2.4) with the contract's reply mutated byte- and structure-wise, the
 * hostile replies the faulty validation service sends (DOCTYPE/XXE, billion laughs, oversize, truncated)
 * and random text. Each reply is either a clean outcome (accepted|declined with text details) or an
 * InvalidReplyError whose message never quotes the reply. FUZZ_RUNS for a longer run.
 */
import { buildReply, InvalidReplyError, parseReply, XML_DECLARATION } from '../../lambdas/validator/xml-contract';
import { malformedReply, MALFORMED_REPLIES } from '../../sandbox/faults/faulty-validation-server';
import { fuzzRandom, fuzzRuns, PAN_SENTINEL, randomValue } from './fuzz-kit';

const MARKER = `${PAN_SENTINEL}`;
const SNIPPETS = [
  '<',
  '>',
  '/>',
  '"',
  "'",
  '&',
  '&amp;',
  '&#65;',
  '&x;',
  '<!DOCTYPE r [<!ENTITY x "y">]>',
  '<![CDATA[',
  ']]>',
  '<?xml version="1.0"?>',
  'value="accepted"',
  'value="declined"',
  'details=',
  '<outcome',
  '</outcome>',
  '\u0000',
  '\ufeff',
  MARKER,
  '<params/>',
  ' '.repeat(10),
];

function mutateText(text: string, rnd: ReturnType<typeof fuzzRandom>['rnd']): string {
  let out = text;
  for (let r = rnd.int(1, 4); r > 0; r -= 1) {
    const at = rnd.int(0, out.length);
    switch (rnd.int(0, 3)) {
      case 0:
        out = out.slice(0, at) + rnd.pick(SNIPPETS) + out.slice(at);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(Math.min(out.length, at + rnd.int(1, 12)));
        break;
      case 2:
        out = out.slice(0, at) + String.fromCharCode(rnd.int(0, 0x2fff)) + out.slice(at + 1);
        break;
      default:
        out = out.slice(0, at) + out.slice(at).repeat(rnd.int(1, 3));
    }
  }
  return out;
}

function check(reply: string, failures: string[], label: string): void {
  try {
    const parsed = parseReply(reply);
    if (parsed.outcome !== 'accepted' && parsed.outcome !== 'declined') failures.push(`${label}: outcome ${String(parsed.outcome)}`);
    if (typeof parsed.details !== 'string') failures.push(`${label}: details not text`);
  } catch (err) {
    if (!(err instanceof InvalidReplyError)) failures.push(`${label}: threw ${err instanceof Error ? err.name : typeof err}`);
    else if (err.message.includes(MARKER)) failures.push(`${label}: error message quotes the reply`);
  }
}

describe('parseReply under fuzzed replies', () => {
  it('returns a clean outcome or an InvalidReplyError without the reply text for every mutated reply', () => {
    // Prepare
    const { rnd, seed } = fuzzRandom(5);
    const bases = [
      buildReply('accepted', `Approved ${MARKER}`),
      buildReply('declined', 'Declined - do not honour'),
      `${XML_DECLARATION}\n<outcome value="accepted" details="ok"></outcome>`,
    ];
    const failures: string[] = [];
    // Act
    for (let i = 0; i < fuzzRuns(2000); i += 1) check(mutateText(rnd.pick(bases), rnd), failures, `case ${i} (seed ${seed})`);
    for (let i = 0; i < fuzzRuns(200); i += 1) check(String(randomValue(rnd)), failures, `random ${i} (seed ${seed})`);
    // Assess
    expect(failures).toEqual([]);
  });

  it('refuses every hostile reply the faulty validation service can send, except the well-formed card echo', () => {
    // Prepare
    const submission = `<params><param name="pan" value="${PAN_SENTINEL}"/></params>`;
    // Act
    const refused = MALFORMED_REPLIES.filter((v) => v !== 'echo-card').map((v) => {
      try {
        parseReply(malformedReply(v, submission));
        return `${v}: accepted`;
      } catch (err) {
        return err instanceof InvalidReplyError ? 'refused' : `${v}: ${err instanceof Error ? err.name : 'odd'}`;
      }
    });
    // Assess
    expect(new Set(refused)).toEqual(new Set(['refused']));
  });
});

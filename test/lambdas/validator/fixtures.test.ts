import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidReplyError, parseReply, parseSubmission } from '../../../lambdas/validator/xml-contract';

const dir = join(__dirname, '../../../events/validation');
const read = (file: string): string => readFileSync(join(dir, file), 'utf8');

describe('events/validation samples', () => {
  it('holds a submission the reference service can read', () => {
    // Act
    const params = parseSubmission(read('submission.xml'));

    // Assess
    expect(params.map((p) => p.name)).toEqual(['customer', 'amount', 'currency', 'card number', 'expiry date', 'security code']);
    expect(params[0]?.value).toBe("Ann O'Neil & Co");
  });

  it('holds valid accepted and declined replies', () => {
    // Act
    const replies = [parseReply(read('reply-accepted.xml')), parseReply(read('reply-declined.xml'))];

    // Assess
    expect(replies.map((r) => r.outcome)).toEqual(['accepted', 'declined']);
  });

  it.each(['reply-hostile-xxe.xml', 'reply-hostile-entity-expansion.xml'])('holds a hostile reply the validator refuses: %s', (file) => {
    // Act
    const act = (): unknown => parseReply(read(file));

    // Assess
    expect(act).toThrow(InvalidReplyError);
  });
});

import {
  buildReply,
  buildSubmission,
  InvalidReplyError,
  InvalidSubmissionError,
  parseReply,
  parseSubmission,
  SubmissionRejectedError,
} from '../../../lambdas/validator/xml-contract';

const DECL = '<?xml version="1.0" encoding="UTF-8"?>';
const PAN = '4111111111111111';
const CVV = '737';

function replyCode(body: string, max?: number): string {
  try {
    parseReply(body, max);
  } catch (err) {
    if (err instanceof InvalidReplyError) return err.code;
    throw err;
  }
  return 'parsed';
}

describe('buildSubmission', () => {
  it('writes the declaration and one param element per field, in order', () => {
    // Prepare
    const params = [
      { name: 'customer', value: 'Ann' },
      { name: 'card number', value: PAN },
    ];

    // Act
    const xml = buildSubmission(params);

    // Assess
    expect(xml).toBe(`${DECL}<params><param name="customer" value="Ann"/><param name="card number" value="${PAN}"/></params>`);
  });

  it('escapes the five XML special characters in names and values so they round-trip', () => {
    // Prepare
    const hostile = `a&b<c>d"e'f`;

    // Act
    const xml = buildSubmission([{ name: hostile, value: `${hostile}"/><param name="x` }]);
    const back = parseSubmission(xml);

    // Assess
    expect(xml).not.toContain('<c>');
    expect(back).toEqual([{ name: hostile, value: `${hostile}"/><param name="x` }]);
  });

  it.each([
    ['a NUL', 'x\u0000y'],
    ['a line feed', 'line1\nline2'],
    ['a carriage return', 'x\ry'],
    ['a tab', 'x\ty'],
    ['DEL', 'x\u007fy'],
    ['a C1 control', 'x\u0085y'],
    ['a lone surrogate', 'x\ud800y'],
  ])('refuses a value containing %s, naming the field but not the value', (_label, value) => {
    // Prepare
    const params = [{ name: 'reference', value: `${value}${PAN}` }];

    // Act
    const act = (): string => buildSubmission(params);

    // Assess
    expect(act).toThrow(SubmissionRejectedError);
    try {
      act();
    } catch (err) {
      expect((err as Error).message).toContain('"reference"');
      expect((err as Error).message).not.toContain(PAN);
      expect((err as SubmissionRejectedError).paramName).toBe('reference');
    }
  });

  it('accepts characters outside the control ranges, such as accents and emoji', () => {
    // Prepare
    const params = [{ name: 'name', value: 'Zoë 🙂 Ünal' }];

    // Act
    const xml = buildSubmission(params);

    // Assess
    expect(parseSubmission(xml)).toEqual(params);
  });
});

describe('parseReply', () => {
  it('reads an accepted outcome and its details', () => {
    // Prepare
    const body = `${DECL}<outcome value="accepted" details="Approved - authorisation code 123456"/>`;

    // Act
    const reply = parseReply(body);

    // Assess
    expect(reply).toEqual({ outcome: 'accepted', details: 'Approved - authorisation code 123456' });
  });

  it('reads a declined outcome with escaped details, a BOM, single quotes and a long-form empty element', () => {
    // Prepare
    const body = `\ufeff<?xml version='1.0'?>\n<outcome value='declined' details="Tom &amp; Jerry &lt;3 &#65;"></outcome>\n`;

    // Act
    const reply = parseReply(body);

    // Assess
    expect(reply).toEqual({ outcome: 'declined', details: 'Tom & Jerry <3 A' });
  });

  it('keeps details exactly as strings, without number coercion', () => {
    // Prepare
    const body = `${DECL}<outcome value="declined" details="00123"/>`;

    // Act
    const reply = parseReply(body);

    // Assess
    expect(reply.details).toBe('00123');
  });

  it('reads a reply without details as empty details', () => {
    // Prepare
    const body = `${DECL}<outcome value="accepted"/>`;

    // Act
    const reply = parseReply(body);

    // Assess
    expect(reply).toEqual({ outcome: 'accepted', details: '' });
  });

  it.each([
    ['no declaration', '<outcome value="accepted" details="ok"/>', 'no-declaration'],
    ['a declaration after whitespace', ` ${DECL}<outcome value="accepted"/>`, 'no-declaration'],
    ['an empty body', '', 'empty'],
    [
      'a DOCTYPE with an external entity (XXE)',
      `${DECL}<!DOCTYPE outcome [<!ENTITY x SYSTEM "file:///etc/passwd">]><outcome value="accepted" details="&x;"/>`,
      'doctype',
    ],
    [
      'entity expansion (billion laughs)',
      `${DECL}<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><outcome value="accepted" details="&lol2;"/>`,
      'doctype',
    ],
    ['a lower-case doctype', `${DECL}<!doctype outcome><outcome value="accepted"/>`, 'doctype'],
    ['an undeclared named entity', `${DECL}<outcome value="accepted" details="&nbsp;"/>`, 'entity'],
    ['a bare ampersand', `${DECL}<outcome value="accepted" details="a & b"/>`, 'malformed'],
    ['a raw < in an attribute', `${DECL}<outcome value="accepted" details="a < b"/>`, 'malformed'],
    ['mismatched tags', `${DECL}<outcome value="accepted"></outcom>`, 'malformed'],
    ['a repeated attribute', `${DECL}<outcome value="declined" value="accepted"/>`, 'malformed'],
    ['a non-UTF-8 encoding', '<?xml version="1.0" encoding="ISO-8859-1"?><outcome value="accepted"/>', 'malformed'],
    [
      'a prototype-polluting attribute (prefixed, so it cannot pollute: an unknown attribute)',
      `${DECL}<outcome value="accepted" __proto__="x"/>`,
      'unexpected-content',
    ],
    ['another root', `${DECL}<result value="accepted"/>`, 'wrong-root'],
    ['two roots', `${DECL}<outcome value="accepted"/><outcome value="declined"/>`, 'wrong-root'],
    ['outcome wrapped in another element', `${DECL}<reply><outcome value="accepted"/></reply>`, 'wrong-root'],
    ['a processing instruction after the root', `${DECL}<outcome value="accepted"/><?evil x?>`, 'wrong-root'],
    ['a child element', `${DECL}<outcome value="accepted"><extra/></outcome>`, 'unexpected-content'],
    ['text content', `${DECL}<outcome value="accepted">ok</outcome>`, 'unexpected-content'],
    ['an extra attribute', `${DECL}<outcome value="accepted" amount="1"/>`, 'unexpected-content'],
    ['an unknown outcome value', `${DECL}<outcome value="approved"/>`, 'bad-outcome'],
    ['an outcome value in other case', `${DECL}<outcome value="Accepted"/>`, 'bad-outcome'],
    ['no outcome value', `${DECL}<outcome details="x"/>`, 'bad-outcome'],
  ])('refuses a reply with %s', (_label, body, code) => {
    // Act
    const result = replyCode(body);

    // Assess
    expect(result).toBe(code);
  });

  it('refuses a reply over the size cap before parsing it', () => {
    // Prepare
    const body = `${DECL}<outcome value="accepted" details="${'x'.repeat(2000)}"/>`;

    // Act
    const result = replyCode(body, 1024);

    // Assess
    expect(result).toBe('too-large');
  });

  it('counts the cap in UTF-8 bytes, not characters', () => {
    // Prepare: 400 three-byte characters are 1200 bytes.
    const body = `${DECL}<outcome value="accepted" details="${'€'.repeat(400)}"/>`;

    // Act
    const result = replyCode(body, 1024);

    // Assess
    expect(result).toBe('too-large');
  });

  it('never puts the reply text into the error message', () => {
    // Prepare
    const body = `${DECL}<outcome value="${PAN}" details="${CVV}"/>`;

    // Act
    let message = '';
    try {
      parseReply(body);
    } catch (err) {
      message = (err as Error).message;
    }

    // Assess
    expect(message).toContain('invalid reply');
    expect(message).not.toContain(PAN);
    expect(message).not.toContain(CVV);
  });
});

describe('security review 8: stricter reply parsing (attacks that passed before)', () => {
  it.each([
    ['the outcome as a child element instead of an attribute', `${DECL}<outcome><value>accepted</value></outcome>`, 'unexpected-content'],
    ['the outcome as a child element next to a details attribute', `${DECL}<outcome details="ok"><value>accepted</value></outcome>`, 'unexpected-content'],
    ['details as a child element', `${DECL}<outcome value="declined"><details>4111111111111111</details></outcome>`, 'unexpected-content'],
    ['CDATA text inside outcome', `${DECL}<outcome value="accepted"><![CDATA[x]]></outcome>`, 'unexpected-content'],
    ['text after the root element', `${DECL}<outcome value="declined" details="x"/>accepted`, 'content-after-root'],
    ['a comment then text after the root element', `${DECL}<outcome value="declined"/><!-- c -->junk`, 'content-after-root'],
    ['the character reference &#0;', `${DECL}<outcome value="accepted" details="a&#0;b"/>`, 'bad-character'],
    ['the character reference &#x1;', `${DECL}<outcome value="accepted" details="a&#x1;b"/>`, 'bad-character'],
    ['a character reference to a surrogate', `${DECL}<outcome value="accepted" details="a&#xD800;b"/>`, 'bad-character'],
    ['a character reference to U+FFFE', `${DECL}<outcome value="accepted" details="&#65534;"/>`, 'bad-character'],
    ['a character reference beyond Unicode', `${DECL}<outcome value="accepted" details="&#x110000;"/>`, 'bad-character'],
    ['a raw lone high surrogate', `${DECL}<outcome value="accepted" details="a\ud800b"/>`, 'bad-character'],
    ['a raw lone low surrogate', `${DECL}<outcome value="accepted" details="a\udc00b"/>`, 'bad-character'],
    ['a raw control character', `${DECL}<outcome value="accepted" details="a\u0001b"/>`, 'bad-character'],
    ['an XML 1.1 declaration', '<?xml version="1.1" encoding="UTF-8"?><outcome value="accepted"/>', 'bad-declaration'],
    ['a declaration without a version', '<?xml encoding="UTF-8"?><outcome value="accepted"/>', 'bad-declaration'],
    ['a declaration with an unknown pseudo-attribute', '<?xml version="1.0" evil="1"?><outcome value="accepted"/>', 'bad-declaration'],
  ])('refuses a reply with %s', (_label, body, code) => {
    // Act
    const result = replyCode(body);

    // Assess
    expect(result).toBe(code);
  });

  it('still reads well-formed replies with whitespace inside and after the outcome, and a standalone declaration', () => {
    // Prepare
    const body = `<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n<outcome value="declined" details="No &#65;">\n  </outcome>\n<!-- done -->\n`;

    // Act
    const reply = parseReply(body);

    // Assess
    expect(reply).toEqual({ outcome: 'declined', details: 'No A' });
  });

  it('refuses a submission whose param carries child elements or text', () => {
    // Prepare
    const bodies = [
      `${DECL}<params><param name="a"><value>1</value></param></params>`,
      `${DECL}<params><param name="a" value="1">x</param></params>`,
      `${DECL}<params/>tail`,
    ];

    // Act
    const codes = bodies.map((body) => {
      try {
        parseSubmission(body);
        return 'parsed';
      } catch (err) {
        return err instanceof InvalidSubmissionError ? err.code : 'other';
      }
    });

    // Assess
    expect(codes).toEqual(['unexpected-content', 'unexpected-content', 'content-after-root']);
  });
});

describe('parseSubmission', () => {
  it('reads every param, including a single one and empty values', () => {
    // Prepare
    const one = `${DECL}<params><param name="a" value=""/></params>`;
    const none = `${DECL}<params/>`;

    // Act
    const parsedOne = parseSubmission(one);
    const parsedNone = parseSubmission(none);

    // Assess
    expect(parsedOne).toEqual([{ name: 'a', value: '' }]);
    expect(parsedNone).toEqual([]);
  });

  it.each([
    ['a DOCTYPE', `${DECL}<!DOCTYPE p [<!ENTITY x "y">]><params><param name="a" value="&x;"/></params>`, 'doctype'],
    ['a param without a name', `${DECL}<params><param value="1"/></params>`, 'bad-param'],
    ['another element', `${DECL}<params><script/></params>`, 'unexpected-content'],
    ['another root', `${DECL}<outcome value="accepted"/>`, 'wrong-root'],
  ])('refuses a submission with %s', (_label, body, code) => {
    // Act
    let result = 'parsed';
    try {
      parseSubmission(body);
    } catch (err) {
      if (!(err instanceof InvalidSubmissionError)) throw err;
      result = err.code;
    }

    // Assess
    expect(result).toBe(code);
  });
});

describe('buildReply', () => {
  it('writes a reply that parseReply reads back, without | or control characters', () => {
    // Prepare
    const details = 'Approved | code "42" <ok>\r\n';

    // Act
    const back = parseReply(buildReply('accepted', details));

    // Assess
    expect(back.outcome).toBe('accepted');
    expect(back.details).toBe('Approved   code "42" <ok>  ');
  });
});

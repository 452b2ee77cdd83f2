import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeEncodedWords } from '../../../lambdas/redact/mime/headers';
import { looksLikeEmail, TextPart, type TextPartSpec } from '../../../lambdas/redact/mime/mime-redactor';
import { parseRedactionConfig } from '../../../lambdas/redact/redaction-config';
import { Redactor } from '../../../lambdas/redact/redactor';
import { redactEmail as redactWith } from './mime-helpers';

const SENTINEL = '4111111111111111';
const redactor = new Redactor(parseRedactionConfig(readFileSync(join(__dirname, '../../../config/redaction.json'), 'utf8')));
const sample = readFileSync(join(__dirname, '../../../events/redact/multipart-email.eml'));

const redactEmail = (input: Buffer, chunkSize = input.length): ReturnType<typeof redactWith> => redactWith(redactor, input, chunkSize);

/** A raw message: its lines joined with CRLF, as UTF-8. */
const message = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'utf8');

/** Decoded text of every part (for assertions on what a reader would see). */
function partBodies(message: string): string[] {
  return message.split(/\r\n--[\w-]+(?:--)?\r\n/).map((part) => {
    const [head = '', ...rest] = part.split('\r\n\r\n');
    const body = rest.join('\r\n\r\n');
    if (/base64/i.test(head)) return Buffer.from(body.replace(/\s/g, ''), 'base64').toString('latin1');
    if (/quoted-printable/i.test(head))
      return Buffer.from(
        body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
        'latin1',
      ).toString('utf8');
    return body;
  });
}

describe('MIME email redaction', () => {
  it('redacts the quoted-printable text part and keeps its encoding and non-ASCII text', () => {
    // Act
    const { out } = redactEmail(sample);
    const text = out.toString('latin1');
    // Assess
    expect(text).toContain('Please charge my Visa #### #### #### ####, exp ##/##.');
    expect(text).toContain('My order number is 1234567890123 and phone +1 (555) 867-5309.');
    expect(text).toContain('SSN ###-##-####');
    expect(text).toContain('Thanks, Zo=C3=AB');
  });

  it('redacts the base64 HTML part without breaking its markup', () => {
    // Act
    const html = partBodies(redactEmail(sample).out.toString('latin1')).find((b) => b.startsWith('<html>')) ?? '';
    // Assess
    expect(html).toContain('<p style="color:#333">Hello, my card is ####&nbsp;####&nbsp;####&nbsp;#### and order <b>12345678</b>.</p>');
    expect(html).toContain('href="https://shop.example/pay?card=################&amp;x=1" title="Card ####-####-####-####"');
    expect(html).toContain('<!-- agent note ############### -->');
    expect(html).toContain('<img src="cid:logo123" alt="logo"></body></html>');
  });

  it('redacts an 8-bit latin1 part and writes it back in latin1', () => {
    // Act
    const { out } = redactEmail(sample);
    // Assess
    expect(out.includes(Buffer.from('Kartennummer: #### #### #### #### - Gr\u00fc\u00dfe', 'latin1'))).toBe(true);
  });

  it('redacts an encoded Subject and re-encodes it', () => {
    // Act
    const text = redactEmail(sample).out.toString('latin1');
    const subject = /^Subject: (.*)$/m.exec(text)?.[1] ?? '';
    // Assess
    expect(decodeEncodedWords(subject)).toBe('Zahlung \u2013 Karte #### #### #### ####');
  });

  it('leaves attachment bytes alone and reports name, type and size with the name redacted', () => {
    // Act
    const { out, attachments } = redactEmail(sample);
    const original = sample.toString('latin1');
    const attachmentBody = original.slice(original.indexOf('JVBERi0'), original.indexOf('\r\n--outer-boundary--'));
    // Assess
    expect(out.toString('latin1')).toContain(attachmentBody);
    expect(attachments).toEqual([{ filename: 'receipt-################.pdf', contentType: 'application/pdf', size: 860 }]);
    expect(out.toString('latin1')).toContain('filename="receipt-################.pdf"');
  });

  it('counts every redaction by rule id', () => {
    // Act
    const { tally } = redactEmail(sample);
    // Assess: subject 1, text 1, html 4 (text, href, title, comment), latin1 part 1, attachment header name 1
    expect(tally).toEqual({ 'default-card-number': 8, 'card-expiry-security-code': 1, 'us-ssn': 1 });
  });

  it('gives byte-identical output for every chunk size, so values split across chunks are caught', () => {
    // Prepare
    const whole = redactEmail(sample).out;
    for (const size of [1, 3, 7, 64, 1000]) {
      // Act
      const { out } = redactEmail(sample, size);
      // Assess
      expect(out.equals(whole)).toBe(true);
    }
  });

  it('keeps an 8-bit message with nothing to redact byte for byte', () => {
    // Prepare
    const clean = message([
      'From: a@example.com',
      'Subject: =?ISO-8859-1?Q?Gr=FC=DFe?=',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      'Order 4471902 \u2013 call 555-867-5309',
      ' soon',
      '',
    ]);
    // Act
    const { out, tally } = redactEmail(clean);
    // Assess
    expect(out.equals(clean)).toBe(true);
    expect(tally).toEqual({});
  });

  it('keeps a byte order mark at the start of a UTF-8 part, in every chunking, and still masks the card after it', () => {
    // Prepare: quoted-printable and 8-bit parts whose text starts with U+FEFF.
    const raw = message([
      'From: a@example.com',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      '\ufeffOrder 4471902, card 4111 1111 1111 1111',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      '=EF=BB=BFplain text',
      '--b--',
      '',
    ]);
    // Act
    const whole = redactEmail(raw);
    const cut = redactEmail(raw, 7);
    // Assess
    const text = whole.out.toString('utf8');
    expect(text).toContain('\ufeffOrder 4471902, card #### #### #### ####');
    expect(text).toContain('=EF=BB=BFplain text');
    expect(cut.out.equals(whole.out)).toBe(true);
    expect(whole.tally).toEqual({ 'default-card-number': 1 });
  });

  it('keeps the decoded text of a quoted-printable part with nothing to redact (soft breaks may re-flow)', () => {
    // Prepare
    const clean = Buffer.from(
      [
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Order 4471902 =E2=80=93 call 555-867-5309=',
        ' soon',
        '',
      ].join('\r\n'),
    );
    // Act
    const { out } = redactEmail(clean);
    // Assess
    expect(partBodies(out.toString('latin1'))[0]).toBe(partBodies(clean.toString('latin1'))[0]);
    expect(out.toString('latin1')).toContain('Order 4471902 =E2=80=93 call 555-867-5309 soon\r\n');
  });

  it('redacts a Q-encoded subject, a simple single-part message and a forwarded message inside it', () => {
    // Prepare
    const message = Buffer.from(
      [
        'From: a@example.com',
        'Subject: =?utf-8?Q?card_4111=201111_1111_1111?=',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary=zz',
        '',
        '--zz',
        'Content-Type: message/rfc822',
        '',
        'Subject: Fwd 5500 0000 0000 0004',
        'Content-Type: text/plain',
        '',
        'forwarded card 3782-822463-10005',
        '--zz--',
        '',
      ].join('\n'),
    );
    // Act
    const { out, tally } = redactEmail(message);
    const text = out.toString('latin1');
    // Assess
    expect(text).toContain('Subject: card #### #### #### ####\n');
    expect(text).toContain('Subject: Fwd #### #### #### ####\n');
    expect(text).toContain('forwarded card ####-######-#####\n');
    expect(tally['default-card-number']).toBe(3);
  });

  it('streams a large email with a card in every line and leaves no card digits', () => {
    // Prepare: ~1.5 MB text part, base64-encoded: 32 chunks of 64 KiB, a card in every line (the
    // throughput of card-dense text is a benchmark's business, not this test's)
    const body = Buffer.from(`Line with card ${SENTINEL} and order 4471902\r\n`.repeat(30_000)).toString('base64').replace(/.{76}/g, '$&\r\n');
    const message = Buffer.from(['Subject: big', 'Content-Type: text/plain; charset=us-ascii', 'Content-Transfer-Encoding: base64', '', body, ''].join('\r\n'));
    // Act
    const { out, tally } = redactEmail(message, 64 * 1024);
    const decoded = Buffer.from(out.toString('latin1').split('\r\n\r\n')[1] ?? '', 'base64').toString('latin1');
    // Assess
    expect(tally['default-card-number']).toBe(30_000);
    expect(decoded).not.toContain(SENTINEL);
    expect(decoded.split('\r\n')[0]).toBe('Line with card ################ and order 4471902');
  });

  it('gives the same bytes for a text part read as bytes (writeBytes) as for binary strings, for every encoding and chunking', () => {
    // Prepare: the bodies as they travel, each with a card, non-ASCII text, an astral character and a BOM.
    const text = '\ufeffCaf\u00e9 \u{1F600} card 4111\u00a01111\u00a01111\u00a01111 exp 12/30, order 4471902\r\n<b>5555</b> 5555 5555 4444 \u20ac\r\n';
    const bodies: Array<[TextPartSpec, Buffer]> = [
      [{ encoding: 'identity', charset: 'utf-8', html: false, eol: '\r\n' }, Buffer.from(text.repeat(40), 'utf8')],
      [{ encoding: 'identity', charset: 'utf-8', html: true, eol: '\r\n' }, Buffer.from(`<p>${text.repeat(40)}</p>`, 'utf8')],
      [
        { encoding: 'quoted-printable', charset: 'utf-8', html: false, eol: '\r\n' },
        Buffer.from('Caf=C3=A9 card 4111 1111 =\r\n1111 1111 exp 12/30\r\n'.repeat(40), 'latin1'),
      ],
      [
        { encoding: 'base64', charset: 'utf-8', html: true, eol: '\r\n' },
        Buffer.from(
          Buffer.from(`<p>${text.repeat(40)}</p>`, 'utf8')
            .toString('base64')
            .replace(/.{76}/g, '$&\r\n'),
          'latin1',
        ),
      ],
      [{ encoding: 'identity', charset: 'latin1', html: false, eol: '\r\n' }, Buffer.from('Caf\u00e9 card 4111 1111 1111 1111\r\n'.repeat(40), 'latin1')],
    ];
    for (const [spec, raw] of bodies) {
      const asStrings = new TextPart(spec, redactor, {});
      const outs: string[] = [];
      for (let i = 0; i < raw.length; i += 100) outs.push(asStrings.write(raw.subarray(i, i + 100).toString('latin1')));
      outs.push(asStrings.end());
      const want = Buffer.from(outs.join(''), 'latin1');
      // Cuts of 1, 2 and 7 bytes fall inside UTF-8 characters.
      for (const size of [1, 2, 7, 4096]) {
        // Act
        const tally = {};
        const asBytes = new TextPart(spec, redactor, tally);
        const got: Buffer[] = [];
        for (let i = 0; i < raw.length; i += size) got.push(asBytes.writeBytes(raw.subarray(i, i + size)));
        got.push(asBytes.endBytes());
        // Assess
        expect(Buffer.concat(got).equals(want)).toBe(true);
        expect(Object.values(tally).length).toBeGreaterThan(0);
      }
      expect(want.toString('latin1')).not.toContain('4111');
    }
  });

  it('tells an email from a chat message', () => {
    // Assess
    expect(looksLikeEmail(sample.toString('latin1'))).toBe(true);
    expect(looksLikeEmail('Note: my card is 4111 1111 1111 1111\n\nthanks')).toBe(false);
    expect(looksLikeEmail('hello there')).toBe(false);
  });
});

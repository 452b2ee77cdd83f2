import {
  type AuthorizationRequest,
  type AuthorizationResult,
  GatewayUnavailableError,
  type PaymentGateway,
  TEST_CARDS,
  TestGateway,
} from '../../../lambdas/validation-service/gateway';
import { handleValidationRequest, ReplyCache, type ValidationHttpRequest } from '../../../lambdas/validation-service/service';
import { buildSubmission, parseReply } from '../../../lambdas/validator/xml-contract';

const PAN = '4111111111111111';
const CVV = '737';
const NOW = new Date('2026-11-21T10:00:00Z');

function submission(pan: string, extra: Array<{ name: string; value: string }> = []): string {
  return buildSubmission([
    { name: 'customer', value: 'Ann' },
    ...extra,
    { name: 'card number', value: pan },
    { name: 'expiry date', value: '1230' },
    { name: 'security code', value: pan.startsWith('37') ? '1234' : CVV },
  ]);
}

function post(body: string, key?: string): ValidationHttpRequest {
  return { method: 'POST', headers: { 'Content-Type': 'application/xml; charset=utf-8', ...(key ? { 'Idempotency-Key': key } : {}) }, body };
}

function gateway(): TestGateway {
  return new TestGateway({ now: () => NOW, authorizationCode: () => '123456' });
}

describe('handleValidationRequest', () => {
  it.each(Object.entries(TEST_CARDS))('answers test card %s with its documented outcome', async (pan, behaviour) => {
    // Act
    const res = await handleValidationRequest(post(submission(pan)), gateway());

    // Assess
    if (behaviour.result === 'gateway-error') {
      expect(res.status).toBe(500);
      expect(parseReply(res.body).outcome).toBe('declined');
    } else if (behaviour.result === 'declined') {
      expect(res.status).toBe(200);
      expect(parseReply(res.body)).toEqual({ outcome: 'declined', details: `Declined - ${behaviour.message}` });
    } else {
      expect(res.status).toBe(200);
      expect(parseReply(res.body)).toEqual({ outcome: 'accepted', details: 'Approved - authorisation code 123456' });
    }
    expect(res.body.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    expect(res.body).not.toContain(pan);
    expect(res.body).not.toContain('|');
  });

  it('passes amount, currency and the idempotency key to the gateway', async () => {
    // Prepare
    const seen: AuthorizationRequest[] = [];
    const spy: PaymentGateway = {
      authorize: async (req: AuthorizationRequest): Promise<AuthorizationResult> => {
        seen.push(req);
        return { approved: true, code: '00', message: 'ok' };
      },
    };

    // Act
    await handleValidationRequest(
      post(
        submission(PAN, [
          { name: 'amount', value: '9.99' },
          { name: 'currency', value: 'EUR' },
        ]),
        'txn-1',
      ),
      spy,
    );

    // Assess
    expect(seen).toEqual([{ pan: PAN, exp: '1230', cvv: CVV, amount: '9.99', currency: 'EUR', reference: 'txn-1' }]);
  });

  it('replies the same to a repeated idempotency key, flags the replay and authorizes only once', async () => {
    // Prepare
    const g = new TestGateway({ now: () => NOW });
    const replies = new ReplyCache();
    const first = await handleValidationRequest(post(submission(PAN), 'txn-1'), g, { replies });

    // Act
    const second = await handleValidationRequest(post(submission(PAN), 'txn-1'), g, { replies });

    // Assess
    expect(second).toEqual({ ...first, headers: { ...first.headers, 'Idempotent-Replayed': 'true' } });
    expect(first.headers).not.toHaveProperty('Idempotent-Replayed');
    expect(g.authorizations).toBe(1);
  });

  it('authorizes concurrent duplicates only once', async () => {
    // Prepare
    const g = new TestGateway({ now: () => NOW });
    const replies = new ReplyCache();

    // Act
    const [a, b] = await Promise.all([
      handleValidationRequest(post(submission(PAN), 'txn-c'), g, { replies }),
      handleValidationRequest(post(submission(PAN), 'txn-c'), g, { replies }),
    ]);

    // Assess
    expect({ status: b.status, body: b.body }).toEqual({ status: a.status, body: a.body });
    expect(g.authorizations).toBe(1);
  });

  it('refuses an idempotency key reused with a different submission', async () => {
    // Prepare
    const g = gateway();
    const replies = new ReplyCache();
    await handleValidationRequest(post(submission(PAN), 'txn-1'), g, { replies });

    // Act
    const res = await handleValidationRequest(post(submission(PAN, [{ name: 'amount', value: '99.00' }]), 'txn-1'), g, { replies });

    // Assess
    expect(res.status).toBe(409);
    expect(g.authorizations).toBe(1);
  });

  it('lets a client retry after a gateway error, since nothing was authorized', async () => {
    // Prepare
    let calls = 0;
    const flaky: PaymentGateway = {
      authorize: async () => {
        calls += 1;
        if (calls === 1) throw new GatewayUnavailableError();
        return { approved: true, code: '00', message: 'authorisation code 000001' };
      },
    };
    const replies = new ReplyCache();
    const first = await handleValidationRequest(post(submission(PAN), 'txn-r'), flaky, { replies });

    // Act
    const second = await handleValidationRequest(post(submission(PAN), 'txn-r'), flaky, { replies });

    // Assess
    expect(first.status).toBe(500);
    expect(second.status).toBe(200);
    expect(calls).toBe(2);
  });

  it('security review 11: remembers a keyed hash (HMAC, per-service secret) without the card fields, never a plain hash of the card', async () => {
    // Prepare
    const { createHash, createHmac } = await import('node:crypto');
    const replies = new ReplyCache();
    const other = new ReplyCache();
    const body = submission(PAN, [{ name: 'amount', value: '12.50' }]);

    // Act
    await handleValidationRequest(post(body, 'key-h1'), gateway(), { replies });
    await handleValidationRequest(post(body, 'key-h1'), gateway(), { replies: other });
    const fingerprint = replies.get('key-h1')?.fingerprint;

    // Assess
    expect(fingerprint).toEqual(expect.any(String));
    expect(fingerprint).not.toBe(createHash('sha256').update(body).digest('hex'));
    expect(fingerprint).not.toBe(createHmac('sha256', '').update(body).digest('hex'));
    // Another service (another secret) gets another fingerprint for the same submission.
    expect(other.get('key-h1')?.fingerprint).not.toBe(fingerprint);
  });

  it('security review 11: leaves the card fields out of the fingerprint, so a resend of the same payment re-keyed by the caller is a replay', async () => {
    // Prepare
    const replies = new ReplyCache();
    const recorder = gateway();
    await handleValidationRequest(post(submission(PAN, [{ name: 'amount', value: '12.50' }]), 'key-h2'), recorder, { replies });

    // Act
    const resent = await handleValidationRequest(post(submission('5555555555554444', [{ name: 'amount', value: '12.50' }]), 'key-h2'), recorder, { replies });
    const changedAmount = await handleValidationRequest(post(submission(PAN, [{ name: 'amount', value: '99.00' }]), 'key-h2'), recorder, { replies });

    // Assess
    expect(resent.headers['Idempotent-Replayed']).toBe('true');
    expect(changedAmount.status).toBe(409);
    expect(recorder.authorizations).toBe(1);
  });

  it('forgets the least recently used key beyond its capacity', () => {
    // Prepare
    const cache = new ReplyCache(2);
    const entry = { fingerprint: 'f', reply: Promise.resolve({ status: 200, headers: {}, body: '' }) };
    cache.set('a', entry);
    cache.set('b', entry);
    cache.get('a');

    // Act
    cache.set('c', entry);

    // Assess
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(entry);
  });

  it.each([
    [
      'a DOCTYPE with an external entity',
      `<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><params><param name="card number" value="&x;"/></params>`,
    ],
    ['entity expansion', `<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><params><param name="x" value="&b;"/></params>`],
    ['no declaration', `<params><param name="card number" value="${PAN}"/></params>`],
    ['malformed XML', `<?xml version="1.0"?><params><param name="card number" value="${PAN}"></params>`],
    [
      'a duplicated card field',
      buildSubmission([
        { name: 'card number', value: PAN },
        { name: 'card number', value: '5555555555554444' },
        { name: 'expiry date', value: '1230' },
      ]),
    ],
    ['no card number', buildSubmission([{ name: 'expiry date', value: '1230' }])],
    ['no expiry date', buildSubmission([{ name: 'card number', value: PAN }])],
  ])('refuses a hostile or incomplete submission (%s) with 400 and no authorization', async (_label, body) => {
    // Prepare
    const g = gateway();

    // Act
    const res = await handleValidationRequest(post(body), g);

    // Assess
    expect(res.status).toBe(400);
    expect(parseReply(res.body).outcome).toBe('declined');
    expect(res.body).not.toContain(PAN);
    expect(g.authorizations).toBe(0);
  });

  it('refuses a submission over the size cap with 413', async () => {
    // Prepare
    const g = gateway();
    const big = submission(PAN, [{ name: 'note', value: 'x'.repeat(70_000) }]);

    // Act
    const res = await handleValidationRequest(post(big), g);

    // Assess
    expect(res.status).toBe(413);
    expect(g.authorizations).toBe(0);
  });

  it('answers 405 with an Allow header to anything but POST', async () => {
    // Act
    const res = await handleValidationRequest({ method: 'GET', headers: {}, body: '' }, gateway());

    // Assess
    expect(res.status).toBe(405);
    expect(res.headers.Allow).toBe('POST');
  });

  it('answers 415 to a body that is not declared as XML', async () => {
    // Act
    const res = await handleValidationRequest({ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, gateway());

    // Assess
    expect(res.status).toBe(415);
  });

  it('finds the card under configured field names', async () => {
    // Prepare
    const body = buildSubmission([
      { name: 'PAN', value: '4000000000009995' },
      { name: 'EXP', value: '1230' },
    ]);

    // Act
    const res = await handleValidationRequest(post(body), gateway(), { cardFieldNames: { pan: 'PAN', exp: 'EXP', cvv: 'CVV' } });

    // Assess
    expect(parseReply(res.body)).toEqual({ outcome: 'declined', details: 'Declined - insufficient funds' });
  });
});

/** The soak's fault plan and the misbehaving validation service it relies on. */
import { otherCertificates, testCertificates } from '../helpers/tls';
import https from 'node:https';
import { FAULT_KINDS, FaultListError, parseFaultList, planCalls } from '../../sandbox/faults/fault-plan';
import { ECHO_DISGUISES, echoingReply, malformedReply, MALFORMED_REPLIES, startFaultyValidationServer } from '../../sandbox/faults/faulty-validation-server';
import { maskEchoedCardData } from '../../lambdas/validator/details-guard';
import { findSentinels } from '../helpers/leak-scan';
import { parseReply, buildSubmission } from '../../lambdas/validator/xml-contract';

function post(url: string, ca: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: 'POST', ca, headers: { 'content-type': 'application/xml', 'idempotency-key': `k-${Math.random()}` }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('the fault plan', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = planCalls({ calls: 50, seed: 3, kinds: FAULT_KINDS });
    expect(planCalls({ calls: 50, seed: 3, kinds: FAULT_KINDS })).toEqual(a);
    expect(planCalls({ calls: 50, seed: 4, kinds: FAULT_KINDS })).not.toEqual(a);
  });

  it('plans no fault when none are enabled and hang-ups end the keys with h', () => {
    expect(planCalls({ calls: 20, seed: 1, kinds: [] }).every((p) => p.fault === 'none')).toBe(true);
    const hangups = planCalls({ calls: 40, seed: 1, kinds: ['hangup-card', 'hangup-cvv'], faultRate: 1 });
    expect(hangups.every((p) => p.keys.endsWith('h'))).toBe(true);
  });

  it('parses kinds, groups, all and none, and names unknown kinds', () => {
    expect(parseFaultList('all')).toEqual([...FAULT_KINDS]);
    expect(parseFaultList('none')).toEqual([]);
    expect(parseFaultList('aws,sma-slow')).toEqual(['kms-error', 'dynamodb-error', 'sma-slow']);
    expect(() => parseFaultList('validation-500,bogus')).toThrow(FaultListError);
    expect(() => parseFaultList('bogus')).toThrow(/bogus/);
  });
});

describe('the faulty validation service', () => {
  it('answers like the reference service without a fault and with a 500 or a malformed reply when told', async () => {
    // Prepare
    const service = await startFaultyValidationServer({
      certificates: { good: await testCertificates(), wrong: await otherCertificates() },
      faultFor: ({ body }) => (body.includes('FAIL') ? { kind: 'http-500' } : body.includes('BAD') ? { kind: 'malformed', variant: 'not-xml' } : undefined),
    });
    const submission = (account: string): string =>
      buildSubmission([
        { name: 'pan', value: '4111111111111111' },
        { name: 'expiry date', value: '1230' },
        { name: 'security code', value: '737' },
        { name: 'customer account', value: account },
      ]);
    try {
      // Act
      const ok = await post(service.url, service.caPem, submission('OK'));
      const failed = await post(service.url, service.caPem, submission('FAIL'));
      const bad = await post(service.url, service.caPem, submission('BAD'));
      // Assess
      expect(['accepted', 'declined']).toContain(parseReply(ok.text).outcome);
      expect(failed.status).toBe(500);
      expect(() => parseReply(bad.text)).toThrow();
      expect(service.served()).toEqual({ 'http-500': 1, 'malformed:not-xml': 1 });
    } finally {
      await service.close();
    }
  });

  it('presents a certificate from another CA to an armed connection, which a verifying client refuses', async () => {
    // Prepare
    const service = await startFaultyValidationServer({ certificates: { good: await testCertificates(), wrong: await otherCertificates() } });
    service.armConnectionFault('tls-wrong-cert', 1);
    try {
      // Act
      const refused = post(service.url, service.caPem, '<x/>');
      // Assess
      await expect(refused).rejects.toThrow();
      expect(service.served()).toEqual({ 'tls-wrong-cert': 1 });
    } finally {
      await service.close();
    }
  });

  it('makes every malformed variant a reply the validator refuses, except the card echo, which is well-formed', () => {
    for (const variant of MALFORMED_REPLIES) {
      const text = malformedReply(variant, '<params><param name="pan" value="4111111111111111"/></params>');
      if (variant === 'echo-card') expect(parseReply(text).details).toContain('4111111111111111');
      else expect(() => parseReply(text)).toThrow();
    }
  });

  it.each(ECHO_DISGUISES)('echoes the card data disguised as %s in a well-formed reply that the normalised scan catches and the validator masks', (how) => {
    // Prepare
    const submission = buildSubmission([
      { name: 'card number', value: '4111111111111111' },
      { name: 'expiry date', value: '1230' },
      { name: 'security code', value: '737' },
    ]);
    const sentinels = { long: ['4111111111111111'], short: ['1230', '737'] };

    // Act
    const details = parseReply(echoingReply(submission, how, 'accepted', 'Approved - authorisation code 015158')).details;
    const masked = maskEchoedCardData(details, { pan: '4111111111111111', exp: '1230', cvv: '737' });

    // Assess
    expect(findSentinels([{ where: 'reply', text: details }], sentinels)).toContain('4111111111111111 in reply');
    expect(findSentinels([{ where: 'masked', text: masked.text }], sentinels)).toEqual([]);
    expect(masked.masked).toBeGreaterThanOrEqual(3);
  });
});

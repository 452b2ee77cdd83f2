import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler, loadServiceConfig } from '../../../lambdas/validation-service/handler';
import { buildSubmission, parseReply } from '../../../lambdas/validator/xml-contract';

function event(body: string, base64: boolean, key: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/xml', 'idempotency-key': key },
    requestContext: { http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' } },
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
  } as unknown as APIGatewayProxyEventV2;
}

describe('validation service Lambda adapter', () => {
  it('answers a base64-encoded function URL request in the contract', async () => {
    // Prepare
    const body = buildSubmission([
      { name: 'card number', value: '4000000000000002' },
      { name: 'expiry date', value: '1230' },
    ]);

    // Act
    const result = await handler(event(body, true, 'lambda-1'));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['Content-Type']).toBe('application/xml; charset=utf-8');
    expect(parseReply(String(result.body))).toEqual({ outcome: 'declined', details: 'Declined - do not honour' });
  });

  it('answers a plain-text body the same way', async () => {
    // Prepare
    const body = buildSubmission([
      { name: 'card number', value: '5555555555554444' },
      { name: 'expiry date', value: '1230' },
    ]);

    // Act
    const result = await handler(event(body, false, 'lambda-2'));

    // Assess
    expect(parseReply(String(result.body)).outcome).toBe('accepted');
  });

  it('reports a bad card field setting as a configuration problem', () => {
    // Act
    const act = (): unknown => loadServiceConfig({ CARD_FIELD_NAMES: '[]' });

    // Assess
    expect(act).toThrow(/CARD_FIELD_NAMES/);
  });
});

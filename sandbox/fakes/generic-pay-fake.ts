/**
 * A local fake processor speaking Twilio's Generic Pay Connector format (POST /charge and /tokenize,
 * JSON in, `charge_id` / `token_id` / `error_code` / `error_message` out, Basic auth), for the generic
 * connector's tests and the sandbox. 4000000000000002 is declined, 4000000000009995 has insufficient funds.
 */
import { type FakeReply, gatewayId, type RecordedRequest, type RecordingServer, startRecordingServer } from './https-recorder';

export interface GenericPayFake extends RecordingServer {
  override(reply: FakeReply): void;
  json(req: RecordedRequest): Record<string, unknown>;
}

export async function startGenericPayFake(
  tls: { keyPem: string; certPem: string },
  credentials: { username: string; password: string },
): Promise<GenericPayFake> {
  const overrides: FakeReply[] = [];
  const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  const route = (req: RecordedRequest): FakeReply => {
    const forced = overrides.shift();
    if (forced) return forced;
    if (req.headers.authorization !== expected) return { status: 401, body: { charge_id: null, error_code: 'unauthorized', error_message: 'Bad credentials' } };
    const body = JSON.parse(req.body) as Record<string, string>;
    const failure =
      body.cardnumber === '4000000000000002'
        ? { error_code: 'card_declined', error_message: 'Card declined by issuer' }
        : body.cardnumber === '4000000000009995'
          ? { error_code: 'insufficient_funds', error_message: 'Insufficient funds' }
          : undefined;
    if (req.path.endsWith('/charge'))
      return {
        status: 200,
        body: failure ? { charge_id: null, ...failure } : { charge_id: gatewayId('ch'), error_code: null, error_message: null },
      };
    if (req.path.endsWith('/tokenize'))
      return {
        status: 200,
        body: failure ? { token_id: null, ...failure } : { token_id: gatewayId('tok'), error_code: null, error_message: null },
      };
    return { status: 404, body: { error_code: 'not_found', error_message: 'Unknown path' } };
  };
  const server = await startRecordingServer(tls, route);
  return { ...server, override: (reply) => overrides.push(reply), json: (req) => JSON.parse(req.body) as Record<string, unknown> };
}

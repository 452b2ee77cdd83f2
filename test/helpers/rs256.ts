/** Test-only RS256 signing: tokens as Cognito (or the sandbox) issues them, and forgeries signed with other keys. */
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';

export interface RsaSigner {
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

export function rsaSigner(kid: string): RsaSigner {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

export function signRs256(claims: Record<string, unknown>, signer: Pick<RsaSigner, 'kid' | 'privateKey'>): string {
  const head = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: signer.kid })).toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${head}.${body}.${createSign('RSA-SHA256').update(`${head}.${body}`).sign(signer.privateKey).toString('base64url')}`;
}

/** An HS256 token (the algorithm-confusion attempt: a verifier must refuse it outright). */
export function signHs256ForTest(claims: Record<string, unknown>, key: Buffer): string {
  const { createHmac } = require('node:crypto') as typeof import('node:crypto');
  const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${head}.${body}.${createHmac('sha256', key).update(`${head}.${body}`).digest('base64url')}`;
}

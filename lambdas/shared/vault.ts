/**
 * The card vault: transient, envelope-encrypted card data for one secure session.
 *
 * Each field is sealed on its own as soon as it is captured (the SMA handler is stateless between
 * invocations and may not decrypt): a fresh KMS data key per field (encryption context = session id),
 * AES-256-GCM with the session id and field name as additional authenticated data, the plaintext key
 * wiped after use. Only the validator opens the item. At End and Abort the item is replaced by a
 * tombstone that holds no card data (only that the session's data was destroyed, and a TTL), so a seal
 * that arrives late — the first field's included — is refused by its own conditional write instead of
 * re-creating card data for a dead session. The DynamoDB TTL attribute is only a backstop, so reads
 * also refuse expired items.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import { VaultCryptoError, VaultItemNotFoundError } from './errors';
import { dynamoLib, kmsSdk } from './sdk';
import { type CardField } from './card/card-fields';

/** One sealed field as stored: nothing here is readable without the vault key. */
export interface SealedField {
  /** KMS-encrypted data key (base64). */
  k: string;
  /** GCM nonce, ciphertext and tag (base64). */
  iv: string;
  ct: string;
  tag: string;
}

export interface VaultDeps {
  ddb: DynamoDBDocumentClient;
  kms: KMSClient;
  tableName: string;
  keyArn: string;
  now: () => Date;
}

export interface OpenedCard {
  pan: string;
  exp: string;
  /** Absent once the validator has sent it: the security code is not kept after authorization. */
  cvv?: string;
  params: Record<string, string>;
}

const aad = (sessionId: string, field: CardField): Buffer => Buffer.from(`secure-ivr:${sessionId}:${field}`, 'utf8');
const context = (sessionId: string): Record<string, string> => ({ sessionId });

/**
 * Encrypts one field and stores it; returns the session's opaque vault reference. Pass `expectedVaultRef`
 * (the reference the earlier fields got) for every field after the first: the write then only lands in
 * that live item. Without it, a late duplicate SMA invocation (the service retries an event whose answer
 * missed the deadline) re-created the item — holding a sealed security code — after End or Abort had
 * destroyed it (found by the soak); now it fails with VaultItemNotFoundError instead.
 */
export async function sealField(
  deps: VaultDeps,
  sessionId: string,
  field: CardField,
  digits: string,
  ttlSeconds: number,
  expectedVaultRef?: string,
): Promise<string> {
  const { GenerateDataKeyCommand } = await kmsSdk();
  const { UpdateCommand } = await dynamoLib();
  let key: Uint8Array | undefined;
  let sealed: SealedField;
  try {
    const dk = await deps.kms.send(new GenerateDataKeyCommand({ KeyId: deps.keyArn, KeySpec: 'AES_256', EncryptionContext: context(sessionId) }));
    if (!dk.Plaintext || !dk.CiphertextBlob) throw new VaultCryptoError('encrypt');
    key = dk.Plaintext;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(sessionId, field));
    const ct = Buffer.concat([cipher.update(digits, 'utf8'), cipher.final()]);
    sealed = {
      k: Buffer.from(dk.CiphertextBlob).toString('base64'),
      iv: iv.toString('base64'),
      ct: ct.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
    };
  } catch (err) {
    if (err instanceof VaultCryptoError) throw err;
    throw new VaultCryptoError('encrypt');
  } finally {
    key?.fill(0);
  }
  const nowSeconds = Math.floor(deps.now().getTime() / 1000);
  let result;
  try {
    result = await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: { sessionId },
        UpdateExpression:
          'SET #f = :sealed, vaultRef = if_not_exists(vaultRef, :ref), createdAt = if_not_exists(createdAt, :now), expiresAt = if_not_exists(expiresAt, :exp)',
        // The first field may create the item, but never over a destroyed session's tombstone; later
        // fields only land in the live item the first one made.
        ConditionExpression: expectedVaultRef !== undefined ? 'vaultRef = :expected' : 'attribute_not_exists(destroyedAt)',
        ExpressionAttributeNames: { '#f': field },
        ExpressionAttributeValues: {
          ':sealed': sealed,
          ':ref': `vault-${randomUUID()}`,
          ':now': nowSeconds,
          ':exp': nowSeconds + ttlSeconds,
          ...(expectedVaultRef !== undefined ? { ':expected': expectedVaultRef } : {}),
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
  } catch (err) {
    if (err instanceof Error && err.name === 'ConditionalCheckFailedException') throw new VaultItemNotFoundError();
    throw err;
  }
  const ref = result.Attributes?.vaultRef;
  if (typeof ref !== 'string') throw new VaultItemNotFoundError();
  return ref;
}

/** Adds the agent's non-confidential form fields to a captured session (the InfoInsert stage). */
export async function attachParams(
  deps: Pick<VaultDeps, 'ddb' | 'tableName' | 'now'>,
  sessionId: string,
  vaultRef: string,
  params: Record<string, string>,
): Promise<void> {
  const { UpdateCommand } = await dynamoLib();
  try {
    await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: { sessionId },
        UpdateExpression: 'SET params = :params',
        ConditionExpression: 'vaultRef = :ref AND expiresAt > :now',
        ExpressionAttributeValues: { ':params': params, ':ref': vaultRef, ':now': Math.floor(deps.now().getTime() / 1000) },
      }),
    );
  } catch (err) {
    if (err instanceof Error && err.name === 'ConditionalCheckFailedException') throw new VaultItemNotFoundError();
    throw err;
  }
}

async function openField(deps: VaultDeps, sessionId: string, field: CardField, sealed: SealedField): Promise<string> {
  const { DecryptCommand } = await kmsSdk();
  let key: Uint8Array | undefined;
  try {
    const dk = await deps.kms.send(
      new DecryptCommand({ KeyId: deps.keyArn, CiphertextBlob: Buffer.from(sealed.k, 'base64'), EncryptionContext: context(sessionId) }),
    );
    if (!dk.Plaintext) throw new VaultCryptoError('decrypt');
    key = dk.Plaintext;
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
    decipher.setAAD(aad(sessionId, field));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ct, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new VaultCryptoError('decrypt');
  } finally {
    key?.fill(0);
  }
}

const isSealed = (v: unknown): v is SealedField =>
  typeof v === 'object' && v !== null && ['k', 'iv', 'ct', 'tag'].every((p) => typeof (v as Record<string, unknown>)[p] === 'string');

/** Reads and decrypts a session's card data. Only the validator's role may call KMS Decrypt. */
export async function openCard(deps: VaultDeps, sessionId: string, vaultRef: string): Promise<OpenedCard> {
  const { GetCommand } = await dynamoLib();
  const { Item } = await deps.ddb.send(new GetCommand({ TableName: deps.tableName, Key: { sessionId }, ConsistentRead: true }));
  const nowSeconds = Math.floor(deps.now().getTime() / 1000);
  if (!Item || Item.vaultRef !== vaultRef || typeof Item.expiresAt !== 'number' || Item.expiresAt <= nowSeconds) throw new VaultItemNotFoundError();
  if (!isSealed(Item.pan) || !isSealed(Item.exp)) throw new VaultItemNotFoundError();
  const [pan, exp, cvv] = await Promise.all([
    openField(deps, sessionId, 'pan', Item.pan),
    openField(deps, sessionId, 'exp', Item.exp),
    isSealed(Item.cvv) ? openField(deps, sessionId, 'cvv', Item.cvv) : Promise.resolve(undefined),
  ]);
  const params: Record<string, string> = {};
  if (typeof Item.params === 'object' && Item.params !== null) {
    for (const [k, v] of Object.entries(Item.params as Record<string, unknown>)) if (typeof v === 'string') params[k] = v;
  }
  return { pan, exp, ...(cvv === undefined ? {} : { cvv }), params };
}

/**
 * Marks the session as submitted to the validation service, once. Returns false when it was already
 * marked: the payment may have gone through, so it must not be sent again.
 */
export async function markSubmitted(deps: VaultDeps, sessionId: string, vaultRef: string): Promise<boolean> {
  const { UpdateCommand } = await dynamoLib();
  try {
    await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: { sessionId },
        UpdateExpression: 'SET submittedAt = :now',
        ConditionExpression: 'vaultRef = :ref AND attribute_not_exists(submittedAt)',
        ExpressionAttributeValues: { ':now': deps.now().toISOString(), ':ref': vaultRef },
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return false;
    throw err;
  }
}

/** Drops the security code as soon as the validation service has answered (PCI DSS 3.3.1). */
export async function forgetSecurityCode(deps: VaultDeps, sessionId: string): Promise<void> {
  const { UpdateCommand } = await dynamoLib();
  try {
    // The condition keeps an update from creating an empty item (with no TTL) for a session already destroyed.
    await deps.ddb.send(
      new UpdateCommand({ TableName: deps.tableName, Key: { sessionId }, UpdateExpression: 'REMOVE cvv', ConditionExpression: 'attribute_exists(sessionId)' }),
    );
  } catch (err) {
    if (!(err instanceof Error && err.name === 'ConditionalCheckFailedException')) throw err;
  }
}

/** How long a destroyed session's tombstone refuses late seals (far beyond any SMA or workflow retry). */
export const TOMBSTONE_SECONDS = 24 * 3600;

/** True for the item End or Abort leaves behind: no card data, only the fact it was destroyed. */
export const isTombstone = (item: Record<string, unknown>): boolean =>
  item.destroyedAt !== undefined && item.pan === undefined && item.exp === undefined && item.cvv === undefined;

/**
 * Destroys everything held for the session: the item is replaced, in one write, by a tombstone with no
 * card data, so no later seal can bring card data back. Idempotent: destroying nothing (or a tombstone)
 * is not an error and returns false.
 */
export async function destroy(deps: Pick<VaultDeps, 'ddb' | 'tableName'> & { now?: () => Date }, sessionId: string): Promise<boolean> {
  const { PutCommand } = await dynamoLib();
  const now = deps.now?.() ?? new Date();
  const result = await deps.ddb.send(
    new PutCommand({
      TableName: deps.tableName,
      Item: { sessionId, destroyedAt: now.toISOString(), expiresAt: Math.floor(now.getTime() / 1000) + TOMBSTONE_SECONDS },
      ReturnValues: 'ALL_OLD',
    }),
  );
  const old = result.Attributes;
  return old !== undefined && !isTombstone(old);
}

/**
 * The documented format of every identifier a secure session carries, checked wherever one enters
 * (the agent API, Begin). Ids reach the session table, the workflow input, the audit trail and the
 * finance records, so a free-form id would be a way to smuggle card data past every other check
 * (a "call id" of `4111.1111.1111.1111`).
 *
 * - interaction id: the telephony service's id for the call — a Chime SDK TransactionId or an Amazon
 *   Connect ContactId, both UUIDs;
 * - session id: a UUID the agent API (or the CLI) makes;
 * - user id: a configured user name (letters, digits, `. _ @ -`), never one holding a card number.
 */
import { containsCardNumber } from '../card/card-detector';

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;

export const isInteractionId = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);
export const isSessionId = (v: unknown): v is string => typeof v === 'string' && UUID.test(v);
export const isUserId = (v: unknown): v is string => typeof v === 'string' && USER_ID.test(v) && !containsCardNumber(v);

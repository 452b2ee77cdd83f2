/**
 * The local Chime SDK Voice REST endpoint (restJson1), reached by the real ChimeSDKVoiceClient through
 * AWS_ENDPOINT_URL_CHIME_SDK_VOICE:
 * - UpdateSipMediaApplicationCall, answered by the SMA emulator (the sandbox's calls);
 * - the account's inventory as deploy and `doctor` see it: SIP rules (Create/Get/Update/Delete/List),
 *   phone numbers (Get/List) and SIP media applications (Get/List), with the service's documented errors
 *   (a number not in the inventory, of the wrong product type or already routed by a rule; deleting an
 *   enabled rule is a ConflictException).
 * Requests are counted per operation, and tests can make the next calls of an operation fail.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from '../engines/aws-json-server';
import { FaultPlan, statusForErrorType } from '../engines/request-counter';
import type { SmaEmulator } from './emulator';

export interface VoiceEndpoint {
  endpoint: string;
  /** The account's SIP rules, phone numbers and SIP media applications as this endpoint serves them. */
  inventory: VoiceInventory;
  /** Make the next calls of an operation (`chime:CreateSipRule`) fail with an AWS error code. */
  faults: FaultPlan;
  counts(): Record<string, number>;
  resetCounts(): void;
  close(): Promise<void>;
}

export type ProductType = 'SipMediaApplicationDialIn' | 'VoiceConnector';

export interface LocalPhoneNumber {
  e164: string;
  productType: ProductType;
  status: 'Assigned' | 'Unassigned' | 'AcquireInProgress' | 'ReleaseInProgress';
}

export interface LocalTargetApplication {
  SipMediaApplicationId: string;
  Priority: number;
  AwsRegion: string;
}

export interface LocalSipRule {
  SipRuleId: string;
  Name: string;
  Disabled: boolean;
  TriggerType: 'ToPhoneNumber' | 'RequestUriHostname';
  TriggerValue: string;
  TargetApplications: LocalTargetApplication[];
  CreatedTimestamp: string;
  UpdatedTimestamp: string;
}

export interface LocalSipMediaApplication {
  SipMediaApplicationId: string;
  Name: string;
  AwsRegion: string;
}

/** An error answered as the service answers it: the code in x-amzn-errortype, a message without input values. */
class VoiceError extends Error {
  public constructor(
    public readonly code: string,
    message: string,
    public readonly status: number,
  ) {
    super(message);
    this.name = code;
  }
}

const badRequest = (m: string): VoiceError => new VoiceError('BadRequestException', m, 400);
const notFound = (m: string): VoiceError => new VoiceError('NotFoundException', m, 404);
const conflict = (m: string): VoiceError => new VoiceError('ConflictException', m, 409);

/** The state the SIP-rule and inventory calls act on; tests seed it and read it back. */
export class VoiceInventory {
  public readonly phoneNumbers = new Map<string, LocalPhoneNumber>();
  public readonly sipRules = new Map<string, LocalSipRule>();
  public readonly sipMediaApplications = new Map<string, LocalSipMediaApplication>();

  public addPhoneNumber(e164: string, productType: ProductType = 'SipMediaApplicationDialIn'): void {
    this.phoneNumbers.set(e164, { e164, productType, status: 'Unassigned' });
  }

  public addSipMediaApplication(name: string, awsRegion = 'us-east-1', id: string = randomUUID()): string {
    this.sipMediaApplications.set(id, { SipMediaApplicationId: id, Name: name, AwsRegion: awsRegion });
    return id;
  }

  /** The rule that routes this number, if any (a number has at most one). */
  public ruleForNumber(e164: string): LocalSipRule | undefined {
    return [...this.sipRules.values()].find((r) => r.TriggerType === 'ToPhoneNumber' && r.TriggerValue === e164);
  }

  public createSipRule(body: Record<string, unknown>): LocalSipRule {
    const name = str(body.Name);
    const triggerType = str(body.TriggerType);
    const triggerValue = str(body.TriggerValue);
    if (!name || name.length > 256) throw badRequest('Name is required (1-256 characters).');
    if (triggerType !== 'ToPhoneNumber' && triggerType !== 'RequestUriHostname') throw badRequest('TriggerType must be ToPhoneNumber or RequestUriHostname.');
    if (!triggerValue) throw badRequest('TriggerValue is required.');
    const targets = targetApplications(body.TargetApplications);
    if (targets === undefined) throw badRequest('TargetApplications must list 1-25 SIP media applications with a priority and region.');
    for (const t of targets) {
      if (!this.sipMediaApplications.has(t.SipMediaApplicationId)) throw notFound('The target SIP media application does not exist.');
    }
    if ([...this.sipRules.values()].some((r) => r.Name === name)) throw conflict('A SIP rule with this name already exists.');
    if (triggerType === 'ToPhoneNumber') {
      const number = this.phoneNumbers.get(triggerValue);
      if (!number) throw notFound('The phone number is not in this account\u2019s inventory.');
      if (number.productType !== 'SipMediaApplicationDialIn')
        throw badRequest('The phone number\u2019s product type must be SipMediaApplicationDialIn to be used in a SIP rule.');
      if (this.ruleForNumber(triggerValue)) throw conflict('The phone number is already associated with a SIP rule.');
      number.status = 'Assigned';
    }
    const now = new Date().toISOString();
    const rule: LocalSipRule = {
      SipRuleId: randomUUID(),
      Name: name,
      Disabled: body.Disabled === true,
      TriggerType: triggerType,
      TriggerValue: triggerValue,
      TargetApplications: targets,
      CreatedTimestamp: now,
      UpdatedTimestamp: now,
    };
    this.sipRules.set(rule.SipRuleId, rule);
    return rule;
  }

  public getSipRule(id: string): LocalSipRule {
    const rule = this.sipRules.get(id);
    if (!rule) throw notFound('The SIP rule does not exist.');
    return rule;
  }

  /** UpdateSipRule changes the name, the Disabled flag and the targets; never the trigger. */
  public updateSipRule(id: string, body: Record<string, unknown>): LocalSipRule {
    const rule = this.getSipRule(id);
    const name = str(body.Name);
    if (!name || name.length > 256) throw badRequest('Name is required (1-256 characters).');
    if (body.Disabled !== undefined && typeof body.Disabled !== 'boolean') throw badRequest('Disabled must be a boolean.');
    let targets = rule.TargetApplications;
    if (body.TargetApplications !== undefined) {
      const parsed = targetApplications(body.TargetApplications);
      if (parsed === undefined) throw badRequest('TargetApplications must list 1-25 SIP media applications with a priority and region.');
      for (const t of parsed) {
        if (!this.sipMediaApplications.has(t.SipMediaApplicationId)) throw notFound('The target SIP media application does not exist.');
      }
      targets = parsed;
    }
    if ([...this.sipRules.values()].some((r) => r.Name === name && r.SipRuleId !== id)) throw conflict('A SIP rule with this name already exists.');
    Object.assign(rule, { Name: name, TargetApplications: targets, UpdatedTimestamp: new Date().toISOString() });
    if (typeof body.Disabled === 'boolean') rule.Disabled = body.Disabled;
    return rule;
  }

  public deleteSipRule(id: string): void {
    const rule = this.getSipRule(id);
    if (!rule.Disabled) throw conflict('The SIP rule must be disabled before it can be deleted.');
    this.sipRules.delete(id);
    const number = this.phoneNumbers.get(rule.TriggerValue);
    if (number && rule.TriggerType === 'ToPhoneNumber') number.status = 'Unassigned';
  }

  public phoneNumber(e164: string): Record<string, unknown> {
    const number = this.phoneNumbers.get(e164);
    if (!number) throw notFound('The phone number does not exist.');
    const rule = this.ruleForNumber(e164);
    return {
      PhoneNumberId: number.e164,
      E164PhoneNumber: number.e164,
      Country: 'US',
      Type: 'Local',
      ProductType: number.productType,
      Status: number.status,
      Capabilities: { InboundCall: true, OutboundCall: true, InboundSMS: false, OutboundSMS: false, InboundMMS: false, OutboundMMS: false },
      Associations: rule ? [{ Name: 'SipRuleId', Value: rule.SipRuleId, AssociatedTimestamp: rule.CreatedTimestamp }] : [],
    };
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function targetApplications(raw: unknown): LocalTargetApplication[] | undefined {
  if (!Array.isArray(raw) || raw.length < 1 || raw.length > 25) return undefined;
  const out: LocalTargetApplication[] = [];
  for (const t of raw) {
    if (typeof t !== 'object' || t === null) return undefined;
    const { SipMediaApplicationId: id, Priority: priority, AwsRegion: region } = t as Record<string, unknown>;
    if (typeof id !== 'string' || typeof region !== 'string' || !Number.isInteger(priority) || (priority as number) < 1) return undefined;
    out.push({ SipMediaApplicationId: id, Priority: priority as number, AwsRegion: region });
  }
  return out;
}

const MAX_BODY = 64 * 1024;

function reply(res: ServerResponse, status: number, body?: unknown, errorType?: string): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function jsonObject(text: string | undefined): Record<string, unknown> {
  if (text === undefined) throw badRequest('The request body is too large.');
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest('The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

/** Pages a list the way the service does: `max-results` (1-99) and an opaque `next-token` (here an offset). */
function page<T>(items: T[], query: URLSearchParams): { items: T[]; next?: string } {
  const max = Number(query.get('max-results') ?? '99');
  if (!Number.isInteger(max) || max < 1 || max > 99) throw badRequest('max-results must be 1-99.');
  const start = Number(query.get('next-token') ?? '0');
  if (!Number.isInteger(start) || start < 0) throw badRequest('next-token is not valid.');
  const slice = items.slice(start, start + max);
  return start + max < items.length ? { items: slice, next: String(start + max) } : { items: slice };
}

interface Route {
  method: string;
  pattern: RegExp;
  operation: string;
  status: number;
  run(match: string[], query: URLSearchParams, body: () => Promise<Record<string, unknown>>): Promise<unknown>;
}

export async function startVoiceEndpoint(emulator?: SmaEmulator, port = 0): Promise<VoiceEndpoint> {
  const counts: Record<string, number> = {};
  const inventory = new VoiceInventory();
  const faults = new FaultPlan('chime');

  const routes: Route[] = [
    {
      method: 'POST',
      pattern: /^\/sip-media-applications\/([^/]+)\/calls\/([^/]+)$/,
      operation: 'UpdateSipMediaApplicationCall',
      status: 202,
      run: async ([smaId, transactionId], _q, body) => {
        const parsed = await body();
        const args = parsed.Arguments;
        if (typeof args !== 'object' || args === null || !Object.values(args).every((v) => typeof v === 'string') || Object.keys(args).length > 20) {
          throw badRequest('Arguments must map at most 20 strings to strings');
        }
        if (!emulator?.updateCall(smaId as string, transactionId as string, args as Record<string, string>))
          throw notFound('No such call on this SIP media application');
        return { SipMediaApplicationResponse: { TransactionId: transactionId } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/sip-rules$/,
      operation: 'CreateSipRule',
      status: 201,
      run: async (_m, _q, body) => ({ SipRule: inventory.createSipRule(await body()) }),
    },
    {
      method: 'GET',
      pattern: /^\/sip-rules\/([^/]+)$/,
      operation: 'GetSipRule',
      status: 200,
      run: async ([id]) => ({ SipRule: inventory.getSipRule(id as string) }),
    },
    {
      method: 'PUT',
      pattern: /^\/sip-rules\/([^/]+)$/,
      operation: 'UpdateSipRule',
      status: 202,
      run: async ([id], _q, body) => ({ SipRule: inventory.updateSipRule(id as string, await body()) }),
    },
    {
      method: 'DELETE',
      pattern: /^\/sip-rules\/([^/]+)$/,
      operation: 'DeleteSipRule',
      status: 204,
      run: async ([id]) => {
        inventory.deleteSipRule(id as string);
        return undefined;
      },
    },
    {
      method: 'GET',
      pattern: /^\/sip-rules$/,
      operation: 'ListSipRules',
      status: 200,
      run: async (_m, query) => {
        const sma = query.get('sip-media-application');
        const rules = [...inventory.sipRules.values()].filter((r) => sma === null || r.TargetApplications.some((t) => t.SipMediaApplicationId === sma));
        const { items, next } = page(rules, query);
        return { SipRules: items, ...(next ? { NextToken: next } : {}) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/phone-numbers\/([^/]+)$/,
      operation: 'GetPhoneNumber',
      status: 200,
      run: async ([id]) => ({ PhoneNumber: inventory.phoneNumber(id as string) }),
    },
    {
      method: 'GET',
      pattern: /^\/phone-numbers$/,
      operation: 'ListPhoneNumbers',
      status: 200,
      run: async (_m, query) => {
        const productType = query.get('product-type');
        const status = query.get('status');
        const numbers = [...inventory.phoneNumbers.keys()]
          .map((e164) => inventory.phoneNumber(e164))
          .filter((n) => (productType === null || n.ProductType === productType) && (status === null || n.Status === status));
        const { items, next } = page(numbers, query);
        return { PhoneNumbers: items, ...(next ? { NextToken: next } : {}) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/sip-media-applications$/,
      operation: 'ListSipMediaApplications',
      status: 200,
      run: async (_m, query) => {
        const { items, next } = page([...inventory.sipMediaApplications.values()], query);
        return { SipMediaApplications: items, ...(next ? { NextToken: next } : {}) };
      },
    },
    {
      method: 'GET',
      pattern: /^\/sip-media-applications\/([^/]+)$/,
      operation: 'GetSipMediaApplication',
      status: 200,
      run: async ([id]) => {
        const sma = inventory.sipMediaApplications.get(id as string);
        if (!sma) throw notFound('The SIP media application does not exist.');
        return { SipMediaApplication: sma };
      },
    },
  ];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let match: RegExpExecArray | null = null;
    const route = routes.find((r) => r.method === req.method && (match = r.pattern.exec(url.pathname)) !== null);
    if (!route || !match) {
      reply(res, 404, { Message: 'The operation is not served by the sandbox' }, 'NotFoundException');
      return;
    }
    const operation = `chime:${route.operation}`;
    counts[operation] = (counts[operation] ?? 0) + 1;
    const injected = faults.take(operation);
    if (injected !== undefined) {
      reply(res, statusForErrorType(injected), { Code: injected, Message: 'Injected fault from the local endpoint.' }, injected);
      return;
    }
    const params = (match as RegExpExecArray).slice(1).map((p) => decodeURIComponent(p));
    try {
      const result = await route.run(params, url.searchParams, async () => jsonObject(await readBody(req)));
      reply(res, route.status, result);
    } catch (err) {
      const e = err instanceof VoiceError ? err : new VoiceError('ServiceFailureException', 'The local endpoint failed to serve the request.', 500);
      reply(res, e.status, { Code: e.code, Message: e.message }, e.code);
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) reply(res, 500, { Message: 'The local endpoint failed to serve the request.' }, 'ServiceFailureException');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    inventory,
    faults,
    counts: () => ({ ...counts }),
    resetCounts: () => {
      for (const k of Object.keys(counts)) delete counts[k];
    },
    close: () => closeServer(server),
  };
}

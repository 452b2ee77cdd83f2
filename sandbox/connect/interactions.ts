/**
 * The sandbox's Amazon Connect contacts as the agent API and the keypad page see them: a contact is an
 * interaction `connect:<the agent's contact id>` (the call id Connect sessions are keyed on), connected
 * while the customer and the agent are both on it (on hold counts: the agent stays on the call), two
 * parties. The keypad page's person presses keys on a live keypad — a key pressed outside an input
 * block is heard, not queued — and the agent's "Secure Input" quick connect is a sandbox control that
 * performs the transfer into the secure-input flow.
 */
import type { InteractionDirectory, InteractionInfo } from '../../lambdas/agent-api/interactions';
import type { CallerKey } from '../sma/caller';
import type { CallerView } from '../agent/interactions';
import type { ConnectSandbox } from './connect-sandbox';
import type { ConnectContact } from './emulator';
import { LiveKeypad } from './live-keypad';

interface ContactMeta {
  agentId?: string;
  keypad: LiveKeypad;
  startedAt: string;
}

const MAX_PROMPTS = 50;

export class ConnectInteractions implements InteractionDirectory {
  private readonly meta = new Map<string, ContactMeta>();

  public constructor(
    private readonly connect: ConnectSandbox,
    private readonly options: { timingScale?: number } = {},
  ) {}

  /** A person at the keypad page calls in; the contact is connected to `agentId`. */
  public placeCall(agentId: string | undefined): { interactionId: string; contact: ConnectContact } {
    const keypad = new LiveKeypad();
    // The sandbox names its Connect users by their secure-ivr ids (contact-owner.ts binds them so).
    const contact = this.connect.placeCall(keypad, {
      ...(this.options.timingScale === undefined ? {} : { timingScale: this.options.timingScale }),
      ...(agentId ? { agentUserId: agentId } : {}),
    });
    keypad.attach(contact);
    const interactionId = this.connect.callId(contact);
    this.meta.set(interactionId, { ...(agentId ? { agentId } : {}), keypad, startedAt: new Date().toISOString() });
    return { interactionId, contact };
  }

  public owns(interactionId: string): boolean {
    return this.meta.has(interactionId);
  }

  public contact(interactionId: string): ConnectContact | undefined {
    return this.connect.emulator.contacts().find((c) => this.connect.callId(c) === interactionId);
  }

  public press(interactionId: string, keys: string): boolean {
    const meta = this.meta.get(interactionId);
    const contact = this.contact(interactionId);
    if (!meta || !contact || contact.status !== 'active') return false;
    for (const key of keys) meta.keypad.press(key as CallerKey);
    return true;
  }

  /**
   * The agent presses the "Secure Input" quick connect: the customer goes through the secure-input flow
   * (the agent API's Send to IVR has left the request the flow's claim takes). False when the contact is
   * over or already in the flow.
   */
  public quickConnect(interactionId: string): boolean {
    const contact = this.contact(interactionId);
    if (contact?.status !== 'active' || contact.inFlow) return false;
    void this.connect.pressQuickConnect(contact).catch(() => undefined);
    return true;
  }

  public async describe(interactionId: string): Promise<InteractionInfo | undefined> {
    const contact = this.contact(interactionId);
    return contact ? this.info(interactionId, contact) : undefined;
  }

  public async listFor(agentId: string): Promise<InteractionInfo[]> {
    return this.connect.emulator
      .activeContacts()
      .map((c) => [this.connect.callId(c), c] as const)
      .filter(([id]) => {
        const owner = this.meta.get(id)?.agentId;
        return owner === undefined || owner === agentId;
      })
      .map(([id, c]) => this.info(id, c));
  }

  public callerView(interactionId: string): CallerView | undefined {
    const contact = this.contact(interactionId);
    if (!contact || !this.meta.has(interactionId)) return undefined;
    const prompts: string[] = [];
    for (const p of contact.prompts) if (p.text && prompts[prompts.length - 1] !== p.text) prompts.push(p.text);
    const recording =
      contact.recording.AGENT === 'recording' || contact.recording.IVR === 'recording'
        ? 'recording'
        : contact.recording.AGENT === 'suspended'
          ? 'paused'
          : 'off';
    return {
      interactionId,
      status: contact.status,
      agentOnLine: contact.agent === 'connected',
      recording,
      prompts: prompts.slice(-MAX_PROMPTS),
      keysPressed: contact.keys.length,
    };
  }

  private info(interactionId: string, contact: ConnectContact): InteractionInfo {
    const meta = this.meta.get(interactionId);
    const digits = contact.customerNumber.replace(/\D/g, '');
    return {
      interactionId,
      // On Connect the agent stays on the contact (on hold during card entry).
      connected: contact.status === 'active' && contact.agent !== 'disconnected',
      parties: (contact.status === 'active' ? 1 : 0) + (contact.agent !== 'disconnected' ? 1 : 0),
      ...(meta?.agentId ? { agentId: meta.agentId } : {}),
      startedAt: meta?.startedAt ?? new Date().toISOString(),
      ...(digits ? { caller: `•••${digits.slice(-4)}` } : {}),
    };
  }
}

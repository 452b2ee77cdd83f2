/**
 * Watches one emulated call for what matters to card data: the recording's spans (recording or paused),
 * every key the caller pressed with who could hear it, and the violations of the card-safety rules
 * (a digit prompt while the agent is bridged or the recording runs, a key the agent or the recording
 * could hear). The sandbox recording renders from it and the soak and leak checks read it.
 */

export interface RecordingSpan {
  state: 'recording' | 'paused';
  fromMs: number;
  toMs?: number;
}

export type RecordingState = 'off' | 'recording' | 'paused';

export interface KeyPress {
  key: string;
  atMs: number;
  agentBridged: boolean;
  recording: RecordingState;
  /**
   * Whether a digit-collecting action was listening when the key was pressed. A key pressed outside one
   * is not kept for a later prompt: it only reaches whoever is bridged and the recording.
   * @default true
   */
  collected?: boolean;
}

/** The violation recorded for a key the agent or the recording could hear (the soak counts these). */
export const HEARD_KEY_VIOLATION = 'a key was pressed while the agent or the recording could hear it';

export class CallObserver {
  public readonly violations: string[] = [];
  public readonly keys: KeyPress[] = [];
  public readonly recordingSpans: RecordingSpan[] = [];
  private state: RecordingState = 'off';

  public get recording(): RecordingState {
    return this.state;
  }

  /** Starts, pauses or resumes the recording at `clockMs` (call time). */
  public setRecording(state: 'recording' | 'paused', clockMs: number): void {
    this.closeSpan(clockMs);
    this.recordingSpans.push({ state, fromMs: clockMs });
    this.state = state;
  }

  /** The recording stops (StopCallRecording, or the call ends). */
  public stopRecording(clockMs: number): void {
    this.closeSpan(clockMs);
    this.state = 'off';
  }

  /** A digit-collecting action starts: it must run with the agent gone and the recording paused. */
  public digitsRequested(agentBridged: boolean): void {
    if (agentBridged) this.violations.push('digits requested while the agent leg was bridged');
    if (this.state === 'recording') this.violations.push('digits requested while recording was running');
  }

  /** The caller pressed a key, inside a digit-collecting action or not. */
  public keyPressed(key: string, clockMs: number, agentBridged: boolean, collected: boolean): void {
    this.keys.push({ key, atMs: clockMs, agentBridged, recording: this.state, collected });
    if (agentBridged || this.state === 'recording') this.violations.push(HEARD_KEY_VIOLATION);
  }

  /** A rule of the service was broken (invocation limits, a handler that failed twice). */
  public serviceViolation(text: string): void {
    this.violations.push(text);
  }

  private closeSpan(clockMs: number): void {
    const open = this.recordingSpans[this.recordingSpans.length - 1];
    if (open && open.toMs === undefined) open.toMs = clockMs;
  }
}

/**
 * Lambda entry of the secure-input flow's `capture` function: the recording switch, each stored field
 * (decrypted with the flow key, checked and sealed) and a failed prompt block. The only flow function that
 * loads the Encryption SDK and may read the flow key secret.
 */
import type { Context } from 'aws-lambda';
import { decodeCaptureState } from './capture-state';
import { OPERATION, PARAM, type FlowResponse } from './contract';
import { openStoredInput } from './flow-keys';
import { runFlowFunction } from './handler';

const capture = (raw: unknown, context?: Context): Promise<FlowResponse> =>
  runFlowFunction(
    'capture',
    raw,
    context,
    async (session, event) => {
      const state = decodeCaptureState(event.parameters[PARAM.state]);
      switch (event.parameters[PARAM.operation]) {
        case OPERATION.recordingSuspended:
          return session.onRecordingSuspended(state);
        case OPERATION.recordingFailed:
          return session.onRecordingFailed(state);
        case OPERATION.field:
          return session.onField(state, event.parameters[PARAM.field] ?? '', event.parameters[PARAM.entry]);
        default:
          // input-failed, or an operation this function does not know: end card entry safely.
          return session.onInputFailed(state);
      }
    },
    (value, now, cfg) => openStoredInput(cfg.flowKeySecretArn, value, now),
  );

export const handler = capture;

/**
 * Starting a secure session: what the agent's desktop (through the agent API) or the CLI does. The
 * execution is named after the session id, so a repeated request cannot start a second workflow.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SessionRequest } from './contract';
import { sfnSdk } from '../sdk';

export async function startSecureSession(sfn: SFNClient, stateMachineArn: string, request: SessionRequest): Promise<string> {
  const { StartExecutionCommand } = await sfnSdk();
  const result = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: request.sessionId, input: JSON.stringify(request) }));
  if (!result.executionArn) throw new Error('Step Functions did not return an execution ARN');
  return result.executionArn;
}

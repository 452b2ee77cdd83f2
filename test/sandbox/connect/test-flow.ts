/**
 * A small secure-input transfer flow in the documented Flow-language JSON, written by hand for the
 * emulator's own tests (the product's flows come from lib/connect). It follows the documented pattern:
 * logging off, agent on hold, buffer cleared, recording suspended and streaming stopped (failure routes
 * away from every card prompt), one encrypted stored input, a capture function that answers valid or
 * invalid (three tries), then recording back, agent off hold, and the customer returned.
 */
import { buildClient, CommitmentPolicy, RawRsaKeyringNode } from '@aws-crypto/client-node';
import type { ConnectFlowEvent } from '../../../sandbox/connect/lambda-invocation';

export const CAPTURE_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:test-capture';

export interface TestFlowOptions {
  keyId: string;
  certificatePem: string;
  disableCancelKey?: 'True' | 'False';
  maximumLength?: string;
  captureArn?: string;
  timeLimit?: string;
  responseType?: 'STRING_MAP' | 'JSON';
}

type Action = Record<string, unknown>;

const next = (id: string, type: string, parameters: Record<string, unknown>, nextAction: string, errors: Array<[string, string]> = []): Action => ({
  Identifier: id,
  Type: type,
  Parameters: parameters,
  Transitions: { NextAction: nextAction, Errors: errors.map(([ErrorType, NextAction]) => ({ ErrorType, NextAction })), Conditions: [] },
});

export function secureTestFlow(o: TestFlowOptions): Record<string, unknown> {
  const actions: Action[] = [
    next('logging-off', 'UpdateFlowLoggingBehavior', { FlowLoggingBehavior: 'Disabled' }, 'agent-hold'),
    next('agent-hold', 'UpdatePreviousContactParticipantState', { PreviousContactParticipantState: 'AgentOnHold' }, 'buffer-clear', [
      ['NoMatchingError', 'sorry'],
    ]),
    next('buffer-clear', 'GetParticipantInput', { EnableDTMFBuffer: 'False' }, 'recording-off', [['NoMatchingError', 'sorry']]),
    next(
      'recording-off',
      'UpdateContactRecordingBehavior',
      { RecordingBehavior: { RecordedParticipants: [], IVRRecordingBehavior: 'Disabled' } },
      'streaming-off',
      [['NoMatchingError', 'sorry']],
    ),
    next(
      'streaming-off',
      'UpdateContactMediaStreamingBehavior',
      { MediaStreamingState: 'Disabled', Participants: [{ ParticipantType: 'Customer', MediaDirections: ['From', 'To'] }], MediaStreamType: 'Audio' },
      'ask-card',
      [['NoMatchingError', 'sorry']],
    ),
    next(
      'ask-card',
      'GetParticipantInput',
      {
        Text: 'Please key your card number, then press hash.',
        InputTimeLimitSeconds: '10',
        StoreInput: 'True',
        InputValidation: { CustomValidation: { MaximumLength: o.maximumLength ?? '40' } },
        InputEncryption: { EncryptionKeyId: o.keyId, Key: o.certificatePem },
        DTMFConfiguration: { InputTerminationSequence: '#', DisableCancelKey: o.disableCancelKey ?? 'True', InterdigitTimeLimitSeconds: '5' },
      },
      'capture',
      [['NoMatchingError', 'sorry']],
    ),
    next(
      'capture',
      'InvokeLambdaFunction',
      {
        LambdaFunctionARN: o.captureArn ?? CAPTURE_ARN,
        InvocationTimeLimitSeconds: o.timeLimit ?? '8',
        LambdaInvocationAttributes: { field: 'pan', entry: '$.StoredCustomerInput' },
        ResponseValidation: { ResponseType: o.responseType ?? 'STRING_MAP' },
      },
      'check',
      [['NoMatchingError', 'sorry']],
    ),
    {
      Identifier: 'check',
      Type: 'Compare',
      Parameters: { ComparisonValue: '$.External.result' },
      Transitions: {
        Conditions: [
          { NextAction: 'thanks', Condition: { Operator: 'Equals', Operands: ['valid'] } },
          { NextAction: 'tries', Condition: { Operator: 'Equals', Operands: ['invalid'] } },
        ],
        Errors: [{ ErrorType: 'NoMatchingCondition', NextAction: 'sorry' }],
      },
    },
    {
      Identifier: 'tries',
      Type: 'Loop',
      Parameters: { LoopCount: '2' },
      Transitions: {
        Conditions: [
          { NextAction: 'ask-card', Condition: { Operator: 'Equals', Operands: ['ContinueLooping'] } },
          { NextAction: 'sorry', Condition: { Operator: 'Equals', Operands: ['DoneLooping'] } },
        ],
      },
    },
    next('thanks', 'MessageParticipant', { Text: 'Thank you.' }, 'recording-on', [['NoMatchingError', 'recording-on']]),
    next('sorry', 'MessageParticipant', { Text: 'Sorry, we could not take your card details.' }, 'recording-on', [['NoMatchingError', 'recording-on']]),
    next(
      'recording-on',
      'UpdateContactRecordingBehavior',
      { RecordingBehavior: { RecordedParticipants: ['Agent', 'Customer'], IVRRecordingBehavior: 'Enabled' } },
      'agent-back',
    ),
    next('agent-back', 'UpdatePreviousContactParticipantState', { PreviousContactParticipantState: 'OffHold' }, 'done', [['NoMatchingError', 'done']]),
    { Identifier: 'done', Type: 'DisconnectParticipant', Parameters: {}, Transitions: {} },
  ];
  return { Version: '2019-10-30', StartAction: 'logging-off', Metadata: {}, Actions: actions };
}

/** A capture function for the tests: decrypts as the product's capture function does and checks Luhn. */
export function testCaptureFunction(keyId: string, privateKeyPem: string, seen: string[]): (event: ConnectFlowEvent) => Promise<Record<string, string>> {
  const { decrypt } = buildClient(CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT);
  const keyring = new RawRsaKeyringNode({ keyName: keyId, keyNamespace: 'AmazonConnect', rsaKey: { privateKey: privateKeyPem }, oaepHash: 'sha512' });
  return async (event): Promise<Record<string, string>> => {
    const entry = event.Details.Parameters.entry ?? '';
    if (entry === 'Timeout') return { result: 'invalid', reason: 'timeout' };
    const { plaintext } = await decrypt(keyring, Buffer.from(entry, 'base64'));
    const digits = plaintext.toString('utf8');
    seen.push(digits);
    const star = digits.lastIndexOf('*');
    const card = star >= 0 ? digits.slice(star + 1) : digits;
    let sum = 0;
    [...card].reverse().forEach((d, i) => {
      const n = Number(d) * (i % 2 === 1 ? 2 : 1);
      sum += n > 9 ? n - 9 : n;
    });
    return { result: /^\d{12,19}$/.test(card) && sum % 10 === 0 ? 'valid' : 'invalid' };
  };
}

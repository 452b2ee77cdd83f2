/** The L3 constructs refuse insecure settings instead of quietly accepting them. */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { CardVault } from '../../lib/constructs/card-vault';
import { EncryptedLogGroup, EncryptedLogGroupPropsError } from '../../lib/constructs/encrypted-log-group';
import { PciFunction, PciFunctionPropsError } from '../../lib/constructs/pci-function';
import { SecureBucket, SecureBucketPropsError } from '../../lib/constructs/secure-bucket';
import { SipMediaApplication, SipMediaApplicationPropsError } from '../../lib/constructs/sip-media-application';

function bareStack(region = 'us-east-1'): Stack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'Test', { env: { account: '123456789012', region } });
}

const placeholder = (stack: Stack): lambda.IFunction => lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:us-east-1:123456789012:function:x');

describe('EncryptedLogGroup', () => {
  it('refuses a retention shorter than 365 days', () => {
    // Prepare
    const stack = bareStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    // Act
    const act = () => new EncryptedLogGroup(stack, 'Logs', { encryptionKey: key, retention: logs.RetentionDays.SIX_MONTHS });
    // Assess
    expect(act).toThrow(EncryptedLogGroupPropsError);
  });
});

describe('PciFunction', () => {
  it('refuses POWERTOOLS_LOGGER_LOG_EVENT, which would log raw events with card digits', () => {
    // Prepare
    const stack = bareStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    // Act
    const act = () =>
      new PciFunction(stack, 'Fn', {
        entry: 'lambdas/session/begin/handler.ts',
        serviceName: 's',
        logsKey: key,
        environment: { POWERTOOLS_LOGGER_LOG_EVENT: 'true' },
        timeout: Duration.seconds(3),
      });
    // Assess
    expect(act).toThrow(PciFunctionPropsError);
  });
});

describe('CardVault', () => {
  it('fails synthesis when nobody may seal or open card data', () => {
    // Prepare
    const stack = bareStack();
    new CardVault(stack, 'Vault');
    // Act
    const errors = stack.node.findAll().flatMap((c) => c.node.validate());
    // Assess
    expect(errors).toEqual([expect.stringContaining('grantSeal'), expect.stringContaining('grantOpen')]);
  });
});

describe('SecureBucket', () => {
  it('refuses a retention that is not a positive whole number of days', () => {
    // Prepare
    const stack = bareStack();
    // Act
    const act = () => new SecureBucket(stack, 'Bucket', { purpose: 'test', retentionDays: 0 });
    // Assess
    expect(act).toThrow(SecureBucketPropsError);
  });
});

describe('SipMediaApplication', () => {
  it('refuses a region where SIP media applications do not run and a phone number not in E.164', () => {
    // Prepare
    const stack = bareStack('eu-west-1');
    const handler = placeholder(stack);
    // Act
    let error: unknown;
    try {
      new SipMediaApplication(stack, 'Sma', { handler, name: 'ivr', phoneNumber: '5550199' });
    } catch (err) {
      error = err;
    }
    // Assess
    expect(error).toBeInstanceOf(SipMediaApplicationPropsError);
    expect((error as Error).message).toMatch(/region[\s\S]*phoneNumber/);
  });
});

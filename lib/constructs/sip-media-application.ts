/**
 * The Chime SDK SIP media application that runs the IVR, its invoke permission (only the Chime voice
 * connector service of this account and this SMA may call the handler, P11) and, when a phone number is
 * configured, the SIP rule that routes that number to the SMA.
 *
 * CloudFormation has no SIP-rule type, so the rule is a custom resource (lambdas/custom-resources/sip-rule)
 * behind the CDK provider framework: it updates in place or replaces the rule for a new number, disables
 * the rule before deleting it, and ignores the rollback delete of a create that failed, so neither a
 * rollback nor `cdk destroy` ends stuck. Without a phone number, create the rule by hand after deploy:
 *   aws chime-sdk-voice create-sip-rule --name <name> --trigger-type ToPhoneNumber --trigger-value <+E.164> \
 *     --target-applications SipMediaApplicationId=<SipMediaApplicationId output>,Priority=1,AwsRegion=<region>
 */
import { ArnFormat, type CfnElement, CustomResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as chime from 'aws-cdk-lib/aws-chime';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { EncryptedLogGroup } from './encrypted-log-group';
import { PciFunction } from './pci-function';

/** The service principal Chime SDK PSTN audio uses to invoke SMA handlers and write recordings. */
export const CHIME_VOICE_PRINCIPAL = 'voiceconnector.chime.amazonaws.com';

export { PHONE_NUMBER_SMA_REGIONS, SMA_REGIONS } from '../regions';
import { regionProblem } from '../regions';

export interface SipMediaApplicationProps {
  /** The SMA handler. */
  readonly handler: lambda.IFunction;
  /** Name of the SIP media application. */
  readonly name: string;
  /**
   * Optional - E.164 phone number (already ordered in Chime SDK Voice) to route to the SMA with a SIP rule.
   * @default - no SIP rule; create it by hand (see the module comment)
   */
  readonly phoneNumber?: string;
  /**
   * Optional - Key for the SIP-rule functions' log groups (see LogsKey). Required with `phoneNumber`.
   * @default - none
   */
  readonly logsKey?: kms.IKey;
}

export class SipMediaApplicationPropsError extends Error {
  public constructor(problems: string[]) {
    super(`SipMediaApplication: ${problems.join('; ')}`);
    this.name = 'SipMediaApplicationPropsError';
  }
}

export class SipMediaApplication extends Construct {
  public readonly sma: chime.CfnSipMediaApplication;
  /** The SMA id (SIP_MEDIA_APPLICATION_ID for UpdateSipMediaApplicationCall). */
  public readonly smaId: string;
  /** arn:<partition>:chime:<region>:<account>:sma/<id> — the aws:SourceArn Chime presents. */
  public readonly smaArn: string;
  /** The SIP rule (Custom::SipRule) when a phone number is configured; its Ref is the SIP rule id. */
  public readonly sipRule?: CustomResource;
  /** The custom resource's handler when a phone number is configured. */
  public readonly sipRuleFunction?: PciFunction;

  public constructor(scope: Construct, id: string, props: SipMediaApplicationProps) {
    const stack = Stack.of(scope);
    const problems: string[] = [];
    const badRegion = regionProblem(stack.region);
    if (badRegion) problems.push(`the stack ${badRegion}`);
    if (props.phoneNumber !== undefined && !/^\+[1-9]\d{6,14}$/.test(props.phoneNumber)) problems.push('phoneNumber must be in E.164 form, e.g. +15555550100');
    if (props.phoneNumber !== undefined && props.logsKey === undefined) problems.push('logsKey is required with phoneNumber');
    if (problems.length > 0) throw new SipMediaApplicationPropsError(problems);
    super(scope, id);

    this.sma = new chime.CfnSipMediaApplication(this, 'Resource', {
      name: props.name,
      awsRegion: stack.region,
      endpoints: [{ lambdaArn: props.handler.functionArn }],
    });
    this.smaId = this.sma.attrSipMediaApplicationId;
    this.smaArn = stack.formatArn({ service: 'chime', resource: 'sma', resourceName: this.smaId, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });

    // Only Chime, on behalf of this account and this SMA, may invoke the handler (confused-deputy guard).
    props.handler.addPermission('InvokeByChimeVoiceConnector', {
      principal: new iam.ServicePrincipal(CHIME_VOICE_PRINCIPAL),
      action: 'lambda:InvokeFunction',
      sourceAccount: stack.account,
      sourceArn: this.smaArn,
    });

    if (props.phoneNumber !== undefined) {
      const { rule, fn } = this.createSipRule(props.name, props.phoneNumber, props.logsKey as kms.IKey);
      this.sipRule = rule;
      this.sipRuleFunction = fn;
    }
  }

  private createSipRule(smaName: string, phoneNumber: string, logsKey: kms.IKey): { rule: CustomResource; fn: PciFunction } {
    const stack = Stack.of(this);
    const fn = new PciFunction(this, 'SipRuleFunction', {
      entry: 'lambdas/custom-resources/sip-rule/handler.ts',
      serviceName: 'secure-ivr-sip-rule',
      description: 'Deploy time only: creates, updates and (disable, then delete) deletes the IVR number\u2019s SIP rule',
      logsKey,
      // Delete may wait for the service between disable and delete.
      timeout: Duration.minutes(2),
    });
    // SIP rules have no resource-level permissions in IAM (the actions take "*").
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ManageTheIvrSipRule',
        actions: ['chime:CreateSipRule', 'chime:GetSipRule', 'chime:UpdateSipRule', 'chime:DeleteSipRule', 'chime:ListSipRules'],
        resources: ['*'],
      }),
    );
    const provider = new cr.Provider(this, 'SipRuleProvider', {
      onEventHandler: fn,
      logGroup: new EncryptedLogGroup(this, 'SipRuleProviderLogs', { encryptionKey: logsKey }).logGroup,
    });
    const rule = new CustomResource(this, 'SipRule', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SipRule',
      properties: {
        // The number is in the name so that a new number's rule never collides with the old one's name.
        Name: `${smaName}-${phoneNumber.slice(1)}`.slice(0, 256),
        PhoneNumber: phoneNumber,
        SipMediaApplicationId: this.smaId,
        AwsRegion: stack.region,
      },
    });
    Validations.of(fn.functionRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'P10: Chime SDK Voice SIP-rule actions have no resource-level permissions; the role holds only the five SIP-rule actions (and X-Ray).',
    });
    Validations.of(fn).acknowledge(
      { id: 'PCI.DSS.321-LambdaConcurrency', reason: 'P10: deploy-time custom resource; runs a handful of times per deploy, never on a call.' },
      { id: 'PCI.DSS.321-LambdaDLQ', reason: 'P10: deploy-time custom resource; CloudFormation reports its failure and rolls the deploy back.' },
    );
    const framework = provider.node.tryFindChild('framework-onEvent');
    if (framework) {
      Validations.of(framework).acknowledge(
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: 'P10: the CDK provider framework\u2019s role carries the basic execution policy; it runs only at deploy time and never sees card data.',
        },
        {
          id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`,
          reason: 'P10: the provider framework may invoke only the SIP-rule function (and its versions).',
        },
        { id: 'AwsSolutions-L1', reason: 'P24: the provider framework\u2019s runtime is chosen by CDK; it relays CloudFormation events at deploy time only.' },
        {
          id: 'PCI.DSS.321-LambdaInsideVPC',
          reason: 'P10: deploy-time provider framework; it calls Lambda and the CloudFormation response URL, never card data.',
        },
        { id: 'PCI.DSS.321-LambdaConcurrency', reason: 'P10: deploy-time provider framework; never on a call.' },
        { id: 'PCI.DSS.321-LambdaDLQ', reason: 'P10: deploy-time provider framework; CloudFormation reports its failure.' },
        { id: 'PCI.DSS.321-IAMNoInlinePolicy', reason: 'P10: the framework role\u2019s inline policy only invokes the SIP-rule function.' },
      );
    }
    return { rule, fn };
  }
}

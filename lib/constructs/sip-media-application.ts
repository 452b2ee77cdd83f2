/**
 * The Chime SDK SIP media application that runs the IVR, its invoke permission (only the Chime voice
 * connector service of this account and this SMA may call the handler, P11) and, when a phone number is
 * configured, the SIP rule that routes that number to the SMA.
 *
 * CloudFormation has no SIP-rule type, so the rule is made by an AwsCustomResource calling ChimeSDKVoice
 * CreateSipRule/DeleteSipRule. Without a phone number, create the rule by hand after deploy:
 *   aws chime-sdk-voice create-sip-rule --name <name> --trigger-type TO_PHONE_NUMBER --trigger-value <+E.164> \
 *     --target-applications SipMediaApplicationId=<SipMediaApplicationId output>,Priority=1,AwsRegion=<region>
 */
import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as chime from 'aws-cdk-lib/aws-chime';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/** The service principal Chime SDK PSTN audio uses to invoke SMA handlers and write recordings. */
export const CHIME_VOICE_PRINCIPAL = 'voiceconnector.chime.amazonaws.com';

/** Construct id of the stack-level provider function that every AwsCustomResource shares. */
const AWS_CUSTOM_RESOURCE_PROVIDER_ID = 'AWS679f53fac002430cb0da5b7982bd2287';

/** Regions where SIP media applications can run. */
export const SMA_REGIONS = ['us-east-1', 'us-west-2'] as const;

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
   * Optional - Log group for the SIP-rule custom resource's provider function. Required with `phoneNumber`.
   * @default - none
   */
  readonly customResourceLogGroup?: logs.ILogGroup;
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
  public readonly sipRule?: cr.AwsCustomResource;

  public constructor(scope: Construct, id: string, props: SipMediaApplicationProps) {
    const stack = Stack.of(scope);
    const problems: string[] = [];
    if (!stack.region || !(SMA_REGIONS as readonly string[]).includes(stack.region)) problems.push(`the stack region must be one of ${SMA_REGIONS.join(', ')}`);
    if (props.phoneNumber !== undefined && !/^\+[1-9]\d{6,14}$/.test(props.phoneNumber)) problems.push('phoneNumber must be in E.164 form, e.g. +15555550100');
    if (props.phoneNumber !== undefined && props.customResourceLogGroup === undefined) problems.push('customResourceLogGroup is required with phoneNumber');
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

    if (props.phoneNumber !== undefined) this.sipRule = this.createSipRule(props.name, props.phoneNumber, props.customResourceLogGroup as logs.ILogGroup);
  }

  private createSipRule(name: string, phoneNumber: string, logGroup: logs.ILogGroup): cr.AwsCustomResource {
    const region = Stack.of(this).region;
    const rule = new cr.AwsCustomResource(this, 'SipRule', {
      onCreate: {
        service: 'ChimeSDKVoice',
        action: 'createSipRule',
        parameters: {
          Name: `${name}-rule`,
          TriggerType: 'TO_PHONE_NUMBER',
          TriggerValue: phoneNumber,
          Disabled: false,
          TargetApplications: [{ SipMediaApplicationId: this.smaId, Priority: 1, AwsRegion: region }],
        },
        physicalResourceId: cr.PhysicalResourceId.fromResponse('SipRule.SipRuleId'),
      },
      onDelete: {
        service: 'ChimeSDKVoice',
        action: 'deleteSipRule',
        parameters: { SipRuleId: new cr.PhysicalResourceIdReference() },
      },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['chime:CreateSipRule', 'chime:DeleteSipRule', 'chime:UpdateSipRule'], resources: ['*'] }),
      ]),
      logGroup,
      installLatestAwsSdk: false,
    });
    Validations.of(rule).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'P10: Chime SDK Voice SIP-rule actions have no resource-level permissions; the actions are limited to Create/Delete/UpdateSipRule.',
      },
      {
        id: 'PCI.DSS.321-IAMNoInlinePolicy',
        reason: 'P10: the custom resource policy only holds the three SIP-rule actions and is bound to the provider role.',
      },
    );
    // The provider function is a stack-level singleton that AwsCustomResource creates with fixed settings.
    const provider = Stack.of(this).node.tryFindChild(AWS_CUSTOM_RESOURCE_PROVIDER_ID);
    if (provider) {
      Validations.of(provider).acknowledge(
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: 'P10: the CDK AwsCustomResource provider role always carries the basic execution policy; the function runs only at deploy time and never sees card data.',
        },
        {
          id: 'PCI.DSS.321-LambdaInsideVPC',
          reason: 'P10: the deploy-time SIP-rule provider only calls the Chime SDK Voice API; it has no inbound path and never handles card data.',
        },
      );
    }
    return rule;
  }
}

/**
 * Where the stack can be deployed, and why not elsewhere, per telephony choice. Kept free of CDK imports:
 * synth (stack-config, the SIP media application construct) and `secure-ivr doctor` share it.
 */

/** Which telephony carries calls (`-c telephony=…`): the Chime SMA, Amazon Connect, or both. */
export type TelephonyChoice = 'chime' | 'connect' | 'both';

/**
 * Regions where Chime SDK PSTN audio routes Chime SDK phone numbers to SIP media applications
 * (the other PSTN audio regions take calls only through a Voice Connector, i.e. your own carrier).
 */
export const PHONE_NUMBER_SMA_REGIONS = ['us-east-1', 'us-west-2'] as const;

/**
 * Regions the Chime side of the stack deploys to: those of PHONE_NUMBER_SMA_REGIONS where every resource
 * type of the template exists in CloudFormation. The template validator bundled with aws-cdk-lib 2.276
 * (@aws/cloudformation-validate 1.14) has no AWS::Chime::SipMediaApplication in us-west-2 (F3006), so
 * only us-east-1 remains; test/infra/regions.test.ts re-checks this against the validator's data.
 */
export const SMA_REGIONS = ['us-east-1'] as const;

/** Regions where Amazon Connect instances take voice calls (Amazon Connect administrator guide, regions). */
export const CONNECT_REGIONS = [
  'us-east-1',
  'us-west-2',
  'af-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'eu-central-1',
  'eu-west-2',
] as const;

/**
 * Regions a Connect-only stack (telephony=connect) deploys to: those of CONNECT_REGIONS where the bundled
 * template validator knows every resource type of the Connect-only template (AWS::Connect::*,
 * AWS::AppIntegrations::Application, Cognito, API Gateway, Glue, Athena, …). test/infra/regions.test.ts
 * re-checks this list against the validator's data for a synthesized telephony=connect template.
 */
export const CONNECT_STACK_REGIONS = [
  'us-east-1',
  'us-west-2',
  'af-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ca-central-1',
  'eu-central-1',
  'eu-west-2',
] as const;

/** The regions the stack may be synthesized for with this telephony choice. */
export function allowedRegions(telephony: TelephonyChoice): readonly string[] {
  if (telephony === 'connect') return CONNECT_STACK_REGIONS;
  const connect: readonly string[] = CONNECT_STACK_REGIONS;
  // Both: the SIP media application and the Connect resources live in one stack, so one region must have both.
  return telephony === 'both' ? SMA_REGIONS.filter((r) => connect.includes(r)) : SMA_REGIONS;
}

/** Why a region is refused for this telephony choice (naming the choice and the allowed regions), for synth errors and `doctor`. */
export function regionProblem(region: string | undefined, telephony: TelephonyChoice = 'chime'): string | undefined {
  const allowed = allowedRegions(telephony);
  if (region !== undefined && allowed.includes(region)) return undefined;
  const list = allowed.length === 1 ? allowed[0] : `one of ${allowed.join(', ')}`;
  if (telephony === 'connect')
    return `region must be ${list} when telephony is connect: the regions where Amazon Connect and every other resource type of the stack exist`;
  const why =
    region === 'us-west-2'
      ? 'CloudFormation has no AWS::Chime::SipMediaApplication in us-west-2'
      : 'Chime SDK phone numbers reach SIP media applications only in us-east-1 and us-west-2, and CloudFormation has no AWS::Chime::SipMediaApplication in us-west-2';
  return `region must be ${list} when telephony is ${telephony}: ${why} (with Amazon Connect only, -c telephony=connect deploys to ${CONNECT_STACK_REGIONS.join(', ')})`;
}

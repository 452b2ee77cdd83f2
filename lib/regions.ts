/**
 * Where the stack can be deployed, and why not elsewhere. Kept free of CDK imports: synth (stack-config,
 * the SIP media application construct) and `secure-ivr doctor` share it.
 */

/**
 * Regions where Chime SDK PSTN audio routes Chime SDK phone numbers to SIP media applications
 * (the other PSTN audio regions take calls only through a Voice Connector, i.e. your own carrier).
 */
export const PHONE_NUMBER_SMA_REGIONS = ['us-east-1', 'us-west-2'] as const;

/**
 * Regions this stack deploys to: those of PHONE_NUMBER_SMA_REGIONS where every resource type of the
 * template exists in CloudFormation. The template validator bundled with aws-cdk-lib 2.276
 * (@aws/cloudformation-validate 1.14) has no AWS::Chime::SipMediaApplication in us-west-2 (F3006), so
 * only us-east-1 remains; test/infra/regions.test.ts re-checks this against the validator's data.
 */
export const SMA_REGIONS = ['us-east-1'] as const;

/** Why a region is refused, for synth errors and `doctor`. */
export function regionProblem(region: string | undefined): string | undefined {
  if (region !== undefined && (SMA_REGIONS as readonly string[]).includes(region)) return undefined;
  const why =
    region === 'us-west-2'
      ? 'CloudFormation has no AWS::Chime::SipMediaApplication in us-west-2'
      : 'Chime SDK phone numbers reach SIP media applications only in us-east-1 and us-west-2, and CloudFormation has no AWS::Chime::SipMediaApplication in us-west-2';
  return `region must be ${SMA_REGIONS.join(' or ')}: ${why}`;
}

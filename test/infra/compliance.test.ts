/** The cdk-nag gate (P24): no unacknowledged finding, and every acknowledgment cites a pci.md checklist id. */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks, PCIDSS321Checks } from 'cdk-nag';
import { sharedStack, REQUIRED_CONTEXT } from './helpers';

const VARIANTS: [string, Record<string, unknown>][] = [
  ['the default PSTN deployment', REQUIRED_CONTEXT],
  [
    'an AWS agent endpoint with a SIP rule for a phone number',
    {
      ...REQUIRED_CONTEXT,
      agentEndpointType: 'AWS',
      agentEndpointUri: 'agent-desk',
      agentVoiceConnectorArn: 'arn:aws:chime:us-east-1:123456789012:vc/abcdefghij0123456789',
      phoneNumber: '+15555550199',
    },
  ],
];

function acknowledgments(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id, reason }))),
    );
}

describe('compliance gate', () => {
  it.each(VARIANTS)('leaves no unacknowledged AwsSolutions finding for %s', (_name, context) => {
    // Prepare
    const { app } = sharedStack(context);
    // Act
    const report = new AwsSolutionsChecks().validateScope(app);
    // Assess
    expect(report.violations.map((v) => `${v.ruleName} @ ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it.each(VARIANTS)('leaves no unacknowledged PCI DSS 3.2.1 finding for %s', (_name, context) => {
    // Prepare
    const { app } = sharedStack(context);
    // Act
    const report = new PCIDSS321Checks().validateScope(app);
    // Assess
    expect(report.violations.map((v) => `${v.ruleName} @ ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
  });

  it.each(VARIANTS)('cites a pci.md checklist id in every acknowledgment reason for %s', (_name, context) => {
    // Prepare
    const { app } = sharedStack(context);
    // Act
    const acks = acknowledgments(app);
    // Assess
    expect(acks.length).toBeGreaterThan(0);
    expect(acks.filter((a) => !/\bP\d\d\b/.test(a.reason))).toEqual([]);
  });
});

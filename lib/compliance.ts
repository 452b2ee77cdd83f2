/**
 * The compliance gate (P24): cdk-nag's AWS Solutions and PCI DSS 3.2.1 packs run on every synth; any
 * unacknowledged finding fails it. Acknowledgments live next to the construct they concern and cite a
 * checklist id from pci.md.
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, PCIDSS321Checks } from 'cdk-nag';

export function addComplianceChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new PCIDSS321Checks(app));
}

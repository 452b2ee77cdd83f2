/**
 * CDK entry point (`npx cdk synth|deploy`): reads the settings from context, builds the stack and adds the
 * cdk-nag compliance gate. Missing or bad settings stop synth with one message naming all of them.
 */
import { App } from 'aws-cdk-lib';
import { addComplianceChecks } from '../lib/compliance';
import { SecureIvrStack } from '../lib/stacks/secure-ivr-stack';
import { StackConfigError, readStackConfig } from '../lib/stack-config';

const app = new App();
try {
  const config = readStackConfig(app.node);
  new SecureIvrStack(app, (app.node.tryGetContext('stackName') as string | undefined) ?? 'SecureIvr', { config });
} catch (err) {
  if (err instanceof StackConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}
addComplianceChecks(app);
app.synth();

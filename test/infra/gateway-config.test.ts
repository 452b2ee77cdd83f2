/**
 * Template tests for the reference service's payment gateway selection: `-c gateway=…` reaches the
 * function's environment, the credentials secret is readable by that function only, and bad or
 * incomplete gateway context is refused with a message naming the setting.
 */
import { Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ReferenceValidationService, ReferenceValidationServicePropsError } from '../../lib/constructs/validation-service';
import { StackConfigError } from '../../lib/stack-config';
import { logicalId, newApp, REQUIRED_CONTEXT, sharedStack } from './helpers';

describe('gateway context', () => {
  it('runs the Stripe connector in test mode with a secret only the reference service function may read', () => {
    // Act
    const { template, stack } = sharedStack({ ...REQUIRED_CONTEXT, deployReferenceService: 'true', gateway: 'stripe', gatewaySecretName: 'secure-ivr/stripe' });

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'secure-ivr-validation-service',
          VALIDATION_GATEWAY: 'stripe',
          VALIDATION_GATEWAY_SECRET_NAME: 'secure-ivr/stripe',
          VALIDATION_GATEWAY_TEST_MODE: 'true',
        },
      },
    });
    const readers = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([, policy]) =>
      JSON.stringify(policy).includes('secret:secure-ivr/stripe-??????'),
    );
    expect(readers).toHaveLength(1);
    const [, policy] = readers[0]!;
    const roleId = logicalId(stack.referenceService!.function.role!.node.defaultChild as never);
    expect(JSON.stringify(policy.Properties.Roles)).toContain(roleId);
    expect(JSON.stringify(policy)).toContain('secretsmanager:GetSecretValue');
  });

  it.each(['adyen', 'braintree'])('runs the %s connector from -c gateway with its secret readable by the reference service', (gateway) => {
    // Act
    const { template } = sharedStack({
      ...REQUIRED_CONTEXT,
      deployReferenceService: 'true',
      gateway,
      gatewaySecretName: `secure-ivr/${gateway}`,
      gatewayTestMode: 'false',
    });

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: { VALIDATION_GATEWAY: gateway, VALIDATION_GATEWAY_SECRET_NAME: `secure-ivr/${gateway}`, VALIDATION_GATEWAY_TEST_MODE: 'false' },
      },
    });
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).toContain(`secret:secure-ivr/${gateway}-??????`);
  });

  it('keeps the test gateway and no gateway secret by default', () => {
    // Act
    const { template } = sharedStack({ ...REQUIRED_CONTEXT, deployReferenceService: 'true' });

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'secure-ivr-validation-service', VALIDATION_GATEWAY: 'test' } },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('VALIDATION_GATEWAY_SECRET_NAME');
  });

  it.each([
    [{ gateway: 'paypal' }, /gateway must be test, stripe, adyen, braintree, generic/],
    [{ gateway: 'adyen' }, /gatewaySecretName \(the Secrets Manager secret with the adyen credentials\)/],
    [{ gateway: 'braintree' }, /gatewaySecretName \(the Secrets Manager secret with the braintree credentials\)/],
    [{ gateway: 'stripe' }, /gatewaySecretName \(the Secrets Manager secret with the stripe credentials\)/],
    [{ gateway: 'generic', gatewaySecretName: 'bad name!' }, /gatewaySecretName must be a Secrets Manager secret name/],
    [{ gateway: 'stripe', gatewaySecretName: 'x', gatewayTestMode: 'maybe' }, /gatewayTestMode must be true or false/],
  ])('refuses %j', (context, message) => {
    // Act
    const act = (): unknown => sharedStack({ ...REQUIRED_CONTEXT, deployReferenceService: 'true', ...context });

    // Assess
    expect(act).toThrow(StackConfigError);
    expect(act).toThrow(message);
  });

  it('refuses a gateway without the reference service', () => {
    expect(() => sharedStack({ ...REQUIRED_CONTEXT, gateway: 'stripe', gatewaySecretName: 'x' })).toThrow(/gateway needs deployReferenceService=true/);
  });

  it('the construct refuses a gateway without a secret name', () => {
    const act = (): unknown => {
      const stack = new Stack(newApp(), 'S');
      return new ReferenceValidationService(stack, 'R', { logsKey: new kms.Key(stack, 'K'), gateway: 'generic' });
    };
    expect(act).toThrow(ReferenceValidationServicePropsError);
    expect(act).toThrow(/gatewaySecretName is required for the generic gateway/);
  });
});

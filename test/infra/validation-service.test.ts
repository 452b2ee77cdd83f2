/**
 * Template tests for the reference validation service and the validator's trust material: the service
 * exists only when asked for, sits behind an IAM-authenticated function URL, the validator may call only
 * it, and reads exactly the configured secrets / parameter.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks, PCIDSS321Checks } from 'cdk-nag';
import { ReferenceValidationService, ReferenceValidationServicePropsError } from '../../lib/constructs/validation-service';
import { ValidatorTrust, ValidatorTrustPropsError } from '../../lib/constructs/validator-trust';
import { StackConfigError } from '../../lib/stack-config';
import { asList, CDK_JSON_CONTEXT, sharedStack, grantsAction, identityStatements, logicalId, newApp, REQUIRED_CONTEXT } from './helpers';

const CA_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:secure-ivr/validation-ca-AbC123';
const CLIENT_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:secure-ivr/validation-client-XyZ789';
const SECRETS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function validatorEnv(template: Template): Record<string, unknown> {
  const fns = template.findResources('AWS::Lambda::Function', {
    Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'secure-ivr-validate' } } },
  });
  const [fn] = Object.values(fns);
  return fn?.Properties.Environment.Variables as Record<string, unknown>;
}

describe('ReferenceValidationService in the stack', () => {
  it('is not deployed by default', () => {
    // Act
    const { template, stack } = sharedStack();

    // Assess
    expect(stack.referenceService).toBeUndefined();
    // The only function URL is the redaction service's.
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', { TargetFunctionArn: { 'Fn::GetAtt': [logicalId(stack.redaction.function), 'Arn'] } });
    expect(JSON.stringify(template.toJSON())).not.toContain('secure-ivr-validation-service');
  });

  it('is deployed behind a function URL with AWS_IAM auth when deployReferenceService=true', () => {
    // Act
    const { template, stack } = sharedStack({ ...REQUIRED_CONTEXT, deployReferenceService: 'true' });

    // Assess: the reference service's URL beside the redaction service's.
    template.resourceCountIs('AWS::Lambda::Url', 2);
    template.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      InvokeMode: 'BUFFERED',
      TargetFunctionArn: { 'Fn::GetAtt': [logicalId(stack.referenceService!.function), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
      ReservedConcurrentExecutions: Match.absent(),
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'secure-ivr-validation-service',
          CARD_FIELD_NAMES: '{"pan":"card number","exp":"expiry date","cvv":"security code"}',
        },
      },
    });
    template.hasOutput('ReferenceValidationServiceUrl', {});
  });

  it('keeps the merchant validationUrl for the validator and grants it nothing on the reference service', () => {
    // Act
    const { template, stack } = sharedStack({ ...REQUIRED_CONTEXT, deployReferenceService: 'true' });

    // Assess
    expect(validatorEnv(template)).toMatchObject({ VALIDATION_URL: REQUIRED_CONTEXT.validationUrl });
    expect(validatorEnv(template)).not.toHaveProperty('VALIDATION_AUTH');
    const refId = logicalId(stack.referenceService!.function);
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter((p) =>
      JSON.stringify(p.Properties.FunctionName).includes(refId),
    );
    expect(permissions).toEqual([]);
    const invokes = identityStatements(template).filter(({ statement }) => grantsAction(statement, 'lambda:InvokeFunctionUrl'));
    expect(invokes.filter(({ statement }) => JSON.stringify(statement.Resource).includes(refId))).toEqual([]);
  });

  it('points the validator at the reference service, signing with SigV4, when no validationUrl is given', () => {
    // Act
    const { template, stack } = sharedStack({ agentEndpointUri: '+15555550100', deployReferenceService: 'true' });

    // Assess
    const url = stack.referenceService!.functionUrl;
    expect(validatorEnv(template)).toMatchObject({ VALIDATION_URL: { 'Fn::GetAtt': [logicalId(url), 'FunctionUrl'] }, VALIDATION_AUTH: 'aws-iam' });
    const validatorRole = logicalId(stack.functions.validate.functionRole);
    const refArn = { 'Fn::GetAtt': [logicalId(stack.referenceService!.function), 'Arn'] };
    const granted = identityStatements(template).filter(
      ({ roles, statement }) => roles.includes(validatorRole) && JSON.stringify(asList(statement.Resource)).includes(JSON.stringify(refArn)),
    );
    expect(granted.map(({ statement }) => statement)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'lambda:InvokeFunctionUrl', Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } } }),
        expect.objectContaining({ Action: 'lambda:InvokeFunction', Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': true } } }),
      ]),
    );
    // Nobody else may call it.
    const others = identityStatements(template).filter(
      ({ roles, statement }) => !roles.includes(validatorRole) && grantsAction(statement, 'lambda:InvokeFunctionUrl'),
    );
    expect(others).toEqual([]);
  });

  it('still requires a validationUrl when the reference service is not deployed', () => {
    // Act
    const act = (): unknown => sharedStack({ agentEndpointUri: '+15555550100' });

    // Assess
    expect(act).toThrow(StackConfigError);
    expect(act).toThrow(/validationUrl/);
  });

  it('refuses a deployReferenceService value other than true or false', () => {
    // Act
    const act = (): unknown => sharedStack({ ...REQUIRED_CONTEXT, deployReferenceService: 'yes' });

    // Assess
    expect(act).toThrow(/deployReferenceService must be true or false/);
  });

  it('leaves no unacknowledged cdk-nag finding with the reference service deployed', () => {
    // Prepare
    const { app } = sharedStack({ agentEndpointUri: '+15555550100', deployReferenceService: 'true' });

    // Act
    // Only findings on what this feature adds or changes (other parts of the stack have their own gate).
    const ours = /ReferenceValidationService|ValidatorTrust|ValidatorFunction/;
    const findings = [new AwsSolutionsChecks(), new PCIDSS321Checks()].flatMap((pack) =>
      pack
        .validateScope(app)
        .violations.flatMap((v) => v.violatingResources.filter((r) => ours.test(r.constructPath ?? '')).map((r) => `${v.ruleName} @ ${r.constructPath}`)),
    );

    // Assess
    expect(findings).toEqual([]);
  });
});

describe('ReferenceValidationService construct', () => {
  it('refuses bad props, naming every problem', () => {
    // Act
    const act = (): unknown => {
      const stack = new Stack(newApp(), 'S');
      return new ReferenceValidationService(stack, 'R', {
        logsKey: new kms.Key(stack, 'K'),
        reservedConcurrentExecutions: 0,
        cardFieldNames: { pan: 'x', exp: 'x', cvv: 'y' },
      });
    };

    // Assess
    expect(act).toThrow(ReferenceValidationServicePropsError);
    expect(act).toThrow(/three different names.*reservedConcurrentExecutions/);
  });
});

describe('validator trust material', () => {
  it('grants GetSecretValue on exactly the configured secrets and decrypt through Secrets Manager only', () => {
    // Act
    const { template, stack } = sharedStack({
      ...REQUIRED_CONTEXT,
      validationCaSecretArn: CA_SECRET,
      validationClientCertSecretArn: CLIENT_SECRET,
      validationSecretsKeyArn: SECRETS_KEY,
    });

    // Assess
    expect(validatorEnv(template)).toMatchObject({ VALIDATION_CA_SECRET_ARN: CA_SECRET, VALIDATION_CLIENT_CERT_SECRET_ARN: CLIENT_SECRET });
    const validatorRole = logicalId(stack.functions.validate.functionRole);
    const secretStatements = identityStatements(template).filter(({ statement }) => asList(statement.Action).some((a) => a.startsWith('secretsmanager:')));
    expect(secretStatements).toHaveLength(1);
    expect(secretStatements[0]?.roles).toEqual([validatorRole]);
    expect(secretStatements[0]?.statement).toMatchObject({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue' });
    expect(asList(secretStatements[0]?.statement.Resource).sort()).toEqual([CA_SECRET, CLIENT_SECRET].sort());
    const decrypt = identityStatements(template).filter(({ statement }) => asList(statement.Resource).includes(SECRETS_KEY));
    expect(decrypt).toEqual([
      {
        roles: [validatorRole],
        statement: expect.objectContaining({
          Action: 'kms:Decrypt',
          Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
        }),
      },
    ]);
  });

  it('grants GetParameter on exactly the configured CA parameter', () => {
    // Act
    const { template, stack } = sharedStack({ ...REQUIRED_CONTEXT, validationCaParameter: '/secure-ivr/validation-ca' });

    // Assess
    expect(validatorEnv(template)).toMatchObject({ VALIDATION_CA_PARAMETER: '/secure-ivr/validation-ca' });
    // Begin and the agent API read the secure input configuration parameter (pinned in secure-ivr-stack.test.ts); only trust material counts here.
    const configParameter = logicalId(stack.agentApi.configParameter);
    const ssm = identityStatements(template).filter(
      ({ statement }) => asList(statement.Action).some((a) => a.startsWith('ssm:')) && !JSON.stringify(statement.Resource).includes(`"${configParameter}"`),
    );
    expect(ssm).toHaveLength(1);
    expect(ssm[0]?.roles).toEqual([logicalId(stack.functions.validate.functionRole)]);
    expect(ssm[0]?.statement.Action).toBe('ssm:GetParameter');
    expect(JSON.stringify(ssm[0]?.statement.Resource)).toContain(':parameter/secure-ivr/validation-ca');
  });

  it('grants no secret, parameter or key access when no trust material is configured', () => {
    // Act
    const { template, stack } = sharedStack();

    // Assess: the secure input configuration parameter (Begin, agent API) is not trust material.
    const configParameter = logicalId(stack.agentApi.configParameter);
    const found = identityStatements(template).filter(
      ({ statement }) =>
        asList(statement.Action).some((a) => a.startsWith('secretsmanager:') || a.startsWith('ssm:')) &&
        !JSON.stringify(statement.Resource).includes(`"${configParameter}"`),
    );
    expect(found).toEqual([]);
    expect(validatorEnv(template)).not.toHaveProperty('VALIDATION_CA_SECRET_ARN');
  });

  it('refuses partial secret ARNs, both CA sources at once and a malformed key ARN at synth', () => {
    // Act
    const act = (): unknown =>
      sharedStack({
        ...REQUIRED_CONTEXT,
        validationCaSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ca',
        validationCaParameter: '/ca',
        validationSecretsKeyArn: 'alias/mine',
      });

    // Assess
    expect(act).toThrow(/validationCaSecretArn must be a complete/);
    expect(act).toThrow(/not both/);
    expect(act).toThrow(/validationSecretsKeyArn must be a KMS key ARN/);
  });

  it('construct refuses the same problems when used directly', () => {
    // Act
    const act = (): unknown => new ValidatorTrust(new Stack(newApp(), 'S'), 'T', { clientCertSecretArn: 'nope', caParameterName: 'bad name!' });

    // Assess
    expect(act).toThrow(ValidatorTrustPropsError);
    expect(act).toThrow(/clientCertSecretArn.*caParameterName/);
  });

  it('adds nothing to the template when no material is configured', () => {
    // Prepare: an empty template is itself a validator finding (F0001), so the bundled validation is off here
    const stack = new Stack(new App({ context: CDK_JSON_CONTEXT, builtinCloudFormationValidation: false }), 'S');
    const trust = new ValidatorTrust(stack, 'T', {});

    // Act
    const template = Template.fromStack(stack);

    // Assess
    expect(trust.configured).toBe(false);
    expect(trust.environment).toEqual({});
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });
});

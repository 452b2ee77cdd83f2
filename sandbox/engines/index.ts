/** The sandbox's local AWS engines, reached by the real SDK clients through endpoint overrides. */
export { startKms, type KmsEngine } from './kms';
export { startDynamo, type DynamoEngine } from './dynamodb';
export { startS3, type S3Engine } from './s3';
export { startStepFunctions, type StepFunctionsEngine } from './stepfunctions';

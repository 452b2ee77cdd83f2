/** The sandbox's local AWS engines, reached by the real SDK clients through endpoint overrides. */
export { startKms, type KmsEngine, type KmsEngineOptions } from './kms';
export { startDynamo, type DynamoEngine, type DynamoEngineOptions, type RawItem, type TableSpec } from './dynamodb';
export { startS3, s3Operation, type S3Engine, type S3EngineOptions, type StoredObject } from './s3';
export {
  runDefinitionLocally,
  startStepFunctions,
  StepFunctionsDefinitionError,
  type ExecutionDescription,
  type ExecutionStatus,
  type HistoryEvent,
  type InvokeContext,
  type InvokeFunction,
  type StepFunctionsEngine,
  type StepFunctionsEngineOptions,
} from './stepfunctions';
export type { FaultInjection, RequestCounter } from './request-counter';

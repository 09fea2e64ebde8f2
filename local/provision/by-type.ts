// The one table of the embedded platform's resource types: CloudFormation type → how it is served here.
// A type missing from it is refused by name; the start-up summary and `stask dev --verbose` come from it.
import { HTTP_API_TYPES, httpApi, httpIntegration, httpRoute, httpStage } from './apigateway.js';
import { bucketNotifications, s3Bucket } from './bucket.js';
import { dynamoTable } from './dynamodb-table.js';
import { ecsCluster, ecsTaskDefinition } from './ecs.js';
import { eventRule } from './event-rule.js';
import { INERT_TYPE_LIST, inertResource } from './inert.js';
import { EVENT_SOURCE_MAPPING_TYPE, KAFKA_CLUSTER_TYPES, kafkaCluster, kafkaEventSourceMapping } from './kafka-mapping.js';
import { eventInvokeConfig, lambdaFunction } from './lambda-function.js';
import { logGroup } from './log-group.js';
import type { ResourceProvisioner } from './provisioner.js';
import { sqsQueue } from './queue.js';
import { stateMachine } from './state-machine.js';

export const PROVISIONERS: ReadonlyMap<string, ResourceProvisioner> = new Map<string, ResourceProvisioner>([
  ['AWS::DynamoDB::Table', dynamoTable],
  ['AWS::SQS::Queue', sqsQueue],
  ['AWS::S3::Bucket', s3Bucket],
  ['Custom::S3BucketNotifications', bucketNotifications],
  ['AWS::Logs::LogGroup', logGroup],
  ['AWS::Lambda::Function', lambdaFunction],
  ['AWS::Lambda::EventInvokeConfig', eventInvokeConfig],
  ['AWS::Events::Rule', eventRule],
  ['AWS::StepFunctions::StateMachine', stateMachine],
  ['AWS::ECS::Cluster', ecsCluster],
  ['AWS::ECS::TaskDefinition', ecsTaskDefinition],
  [EVENT_SOURCE_MAPPING_TYPE, kafkaEventSourceMapping],
  [HTTP_API_TYPES.api, httpApi],
  [HTTP_API_TYPES.integration, httpIntegration],
  [HTTP_API_TYPES.route, httpRoute],
  [HTTP_API_TYPES.stage, httpStage],
  ...[...KAFKA_CLUSTER_TYPES].map((type): [string, ResourceProvisioner] => [type, kafkaCluster]),
  ...INERT_TYPE_LIST.map((type): [string, ResourceProvisioner] => [type, inertResource]),
]);

/** Types with no behaviour to emulate on one machine (permissions, keys, alarms, networking, metadata). */
export const INERT_TYPES: ReadonlySet<string> = new Set([...PROVISIONERS].filter(([, p]) => p.inert).map(([type]) => type));

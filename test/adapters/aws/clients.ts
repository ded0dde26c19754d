/** SDK clients for the local SQS (fauxqs) and DynamoDB (dynalite) servers; both accept any credentials. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { servers } from '../../support/servers.js';

const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

export function localSqsClient(): SQSClient {
  return new SQSClient({ ...local, endpoint: servers.sqs });
}

export function localDynamoClient(): DynamoDBClient {
  return new DynamoDBClient({ ...local, endpoint: servers.dynamodb });
}

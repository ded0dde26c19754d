import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { STATUS_TABLE_PARTITION_KEY, STATUS_TABLE_SORT_KEY } from '../../worker/adapters/aws/status-table.js';

/**
 * The task's per-object (or per-image) status table, with the key schema DynamoStatusStore reads and writes:
 * on demand, encrypted, point-in-time recovery, deleted with the task's stack.
 */
export class StatusTable extends Table {
  constructor(scope: Construct, id: string) {
    super(scope, id, {
      partitionKey: { name: STATUS_TABLE_PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: STATUS_TABLE_SORT_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}

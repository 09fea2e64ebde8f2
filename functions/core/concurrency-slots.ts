// The concurrency slots of a long task: one item per task name in the registry table, keyed `#slots/<task>`
// ('#' is never in a task ID, and the item has none of the indexed attributes, so no listing sees it), holding
// the names of the executions that hold a slot in a string set. Taking a slot is one conditional UpdateItem
// (fewer holders than the limit, ADD the name); releasing one is DELETE of the name. Both are idempotent: a
// retried take of a name already held is refused as "held" (not a second slot), a repeated release is a no-op.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The registry key of a task's slot item. */
export function slotKeyOf(taskName: string): string {
  return `#slots/${taskName}`;
}

export type TakeOutcome = 'taken' | 'held' | 'full';

export class ConcurrencySlots {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** The execution names holding a slot of `taskName`. */
  async holders(taskName: string): Promise<Set<string>> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { taskId: slotKeyOf(taskName) }, ConsistentRead: true }));
    const holders = (out.Item as { holders?: Set<string> } | undefined)?.holders;
    return new Set(holders ?? []);
  }

  /**
   * Takes a slot of `taskName` for the execution `name` when fewer than `limit` are held: 'taken'; 'held' when
   * that name holds one already; 'full' otherwise.
   */
  async take(taskName: string, name: string, limit: number): Promise<TakeOutcome> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { taskId: slotKeyOf(taskName) },
          UpdateExpression: 'ADD holders :name',
          ConditionExpression: '(attribute_not_exists(holders) OR size(holders) < :limit) AND NOT contains(holders, :one)',
          ExpressionAttributeValues: { ':name': new Set([name]), ':one': name, ':limit': limit },
        }),
      );
      return 'taken';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return (await this.holders(taskName)).has(name) ? 'held' : 'full';
    }
  }

  /** Releases the slot `name` holds (nothing when it holds none). */
  async release(taskName: string, name: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { taskId: slotKeyOf(taskName) },
        UpdateExpression: 'DELETE holders :name',
        ExpressionAttributeValues: { ':name': new Set([name]) },
      }),
    );
  }
}

/** The environment a stream operator reads (set by the KafkaEtl construct, locally by the platform from the template). */
export const STREAM_ENV = {
  /** SQS FIFO queue the operator's outputs go to (the default sink). */
  sinkQueueUrl: 'STREAM_SINK_QUEUE_URL',
  /** DynamoDB table the outputs go to instead (conditional write on `pk`). */
  sinkTableName: 'STREAM_SINK_TABLE_NAME',
  /** The dead-letter queue: one destination record per record that cannot be processed. */
  dlqUrl: 'STREAM_DLQ_URL',
  /** Powertools Idempotency's table (key `id`, TTL `expiration`). */
  idempotencyTableName: 'STREAM_IDEMPOTENCY_TABLE_NAME',
  /** Deliveries of a record with a retryable failure before it goes to the DLQ (the mapping's retry attempts). */
  retryAttempts: 'STREAM_RETRY_ATTEMPTS',
  /** Seconds a done record's key is remembered. */
  idempotencyTtlSeconds: 'STREAM_IDEMPOTENCY_TTL_SECONDS',
} as const;

export const TASK_TABLE_ENV = 'TASK_TABLE_NAME';

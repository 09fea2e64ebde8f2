/** Thrown by an operator for a record that retrying cannot fix: the record goes to the DLQ at once. */
export class NonRetryableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

/** Error names that mean the record itself is bad (Powertools Kafka's deserialization and schema errors). */
const NON_RETRYABLE_NAMES = new Set(['NonRetryableError', 'KafkaConsumerDeserializationError', 'KafkaConsumerParserError', 'SyntaxError', 'ZodError']);

export function isNonRetryable(error: unknown): boolean {
  return error instanceof Error && NON_RETRYABLE_NAMES.has(error.name);
}

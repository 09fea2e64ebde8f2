/** Thrown by an operator for a record that retrying cannot fix: the record goes to the DLQ at once. */
export class NonRetryableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

/** Error names that mean the record itself is bad (Powertools Kafka's deserialization and schema errors). */
const NON_RETRYABLE_NAMES = new Set(['NonRetryableError', 'InvalidJsonError', 'KafkaConsumerDeserializationError', 'KafkaConsumerParserError', 'SyntaxError', 'ZodError']);

export function isNonRetryable(error: unknown): boolean {
  return error instanceof Error && NON_RETRYABLE_NAMES.has(error.name);
}

/** A record value that is not JSON where the operator reads JSON. */
export class InvalidJsonError extends NonRetryableError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidJsonError';
  }
}

/** Powertools' JSON deserializer hands back the text when it is not JSON: the wrapper is strict instead. */
export function assertJson(base64: string): void {
  try {
    JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch (error) {
    throw new InvalidJsonError(`the record's value is not JSON: ${(error as Error).message}`);
  }
}

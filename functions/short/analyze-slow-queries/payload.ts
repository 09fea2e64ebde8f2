import { z } from 'zod';
import { InvalidPayloadError } from '../../core/errors.js';

/** Where the slow log is in S3. */
export const S3PointerSchema = z.strictObject({
  bucket: z.string().min(1, 'must be a non-empty string'),
  key: z.string().min(1, 'must be a non-empty string'),
});

/**
 * Payload of the `analyze-slow-queries` task: exactly one of
 * - `log`: the slow log text itself, or
 * - `s3`: `{ bucket, key }` of an object holding it,
 *
 * and optionally `top` (1..1000, default 50): how many fingerprints to return.
 * Unknown fields are rejected, so a misspelt field is an error rather than ignored.
 */
export const AnalyzeSlowQueriesPayloadSchema = z
  .strictObject({
    log: z
      .string()
      .refine((text) => text.trim() !== '', 'must be a non-empty string')
      .optional(),
    s3: S3PointerSchema.optional(),
    top: z.number().int().min(1).max(1000).default(50),
  })
  .refine((p) => (p.log === undefined) !== (p.s3 === undefined), {
    message: 'exactly one of "log" (the slow log text) or "s3" ({ bucket, key }) is required',
  })
  .transform((p): AnalyzeSlowQueriesPayload =>
    p.s3 !== undefined ? { s3: p.s3, top: p.top } : { log: p.log ?? '', top: p.top },
  );

export type AnalyzeSlowQueriesPayload =
  | { readonly log: string; readonly s3?: undefined; readonly top: number }
  | { readonly s3: z.infer<typeof S3PointerSchema>; readonly log?: undefined; readonly top: number };

/**
 * Validates a raw payload. Throws InvalidPayloadError (type `InvalidPayload`, message
 * `<field or "payload">: <problem>; ...`) when it is not valid.
 */
export function parseAnalyzeSlowQueriesPayload(raw: unknown): AnalyzeSlowQueriesPayload {
  const result = AnalyzeSlowQueriesPayloadSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    return `${path === '' ? 'payload' : path}: ${issue.message}`;
  });
  throw new InvalidPayloadError(problems.join('; '));
}

/**
 * The payload schema as JSON Schema (draft-07), published by the construct and checked at submit: the zod
 * schema's input side, and its "exactly one of log or s3" rule (a zod refinement, which JSON Schema cannot
 * derive) as `oneOf`. The handler's parse above stays the authority (its messages, its `top` default).
 */
export function analyzeSlowQueriesJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(AnalyzeSlowQueriesPayloadSchema, { io: 'input', unrepresentable: 'any', target: 'draft-7' }),
    oneOf: [{ required: ['log'] }, { required: ['s3'] }],
  };
}

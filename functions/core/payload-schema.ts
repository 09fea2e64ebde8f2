// Payload schemas checked at submit: a task that declares one (a JSON Schema, e.g. from its zod schema with
// `z.toJSONSchema`) has it published by its construct as the stack output `PayloadSchema<Task>` (see
// lib/constructs/payload-schema-output.ts); the CLI and the embedded platform read it with the other outputs,
// and the TaskClient refuses a payload that does not match before anything is written or dispatched.
//
// Validation is Ajv's (the JSON Schema validator most of the ecosystem uses), not zod's `fromJSONSchema`: a
// published schema is plain JSON Schema, and zod's reader does not honour `oneOf` of `required` lists or
// `additionalProperties: false` reliably. The handler keeps its own zod parse: the schema at submit catches
// what JSON Schema can say, the handler's checks stay the authority.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { InvalidPayloadError } from './errors.js';

/** A JSON Schema (draft-07), as published. */
export type PayloadJsonSchema = Readonly<Record<string, unknown>>;

/** Problems listed in one error message. */
const MAX_PROBLEMS = 5;

/** Compiles each task's payload schema once and checks payloads against it. */
export class PayloadSchemas {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(schemas: Readonly<Record<string, PayloadJsonSchema>> = {}) {
    // strict: false: schemas from zod carry annotations (default, description) Ajv would otherwise refuse.
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const [task, schema] of Object.entries(schemas)) {
      try {
        this.validators.set(task, ajv.compile(schema));
      } catch (error) {
        throw new Error(`the payload schema of task '${task}' is not a valid JSON Schema: ${(error as Error).message}`);
      }
    }
  }

  /** Whether `task` declares a payload schema. */
  has(task: string): boolean {
    return this.validators.has(task);
  }

  /** Throws InvalidPayloadError naming each problem (`<path>: <message>`) when `payload` does not match. */
  check(task: string, payload: unknown): void {
    const validate = this.validators.get(task);
    if (!validate || validate(payload)) return;
    const problems = (validate.errors ?? []).map(describe);
    const unique = [...new Set(problems)];
    const shown = unique.slice(0, MAX_PROBLEMS).join('; ');
    const more = unique.length > MAX_PROBLEMS ? `; and ${unique.length - MAX_PROBLEMS} more` : '';
    throw new InvalidPayloadError(`payload does not match the schema of task '${task}': ${shown}${more}`);
  }
}

/** `top: must be >= 1`, `payload: must have required property 'log'`, `lgo: is not allowed`. */
function describe(error: ErrorObject): string {
  const path = error.instancePath.split('/').slice(1).map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return `${[...path, String(params.additionalProperty)].join('.')}: is not allowed`;
  if (error.keyword === 'required') return `${[...path, String(params.missingProperty)].join('.')}: is required`;
  return `${path.length ? path.join('.') : 'payload'}: ${error.message ?? error.keyword}`;
}

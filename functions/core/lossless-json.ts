// JSON text → value without losing integers beyond ±2^53 (JSON.parse rounds 12345678901234567891 to
// 12345678901234567000): such an integer is kept as `JSON.rawJSON` of its digits, which JSON.stringify
// writes back exactly. And what DynamoDB cannot hold as a map: those integers (the SDK refuses them without
// NumberValue), nesting deeper than its 32 levels, and `__proto__` keys. A payload with either goes through the claim check
// (its exact JSON text in S3), whatever its size, so behaviour does not depend on size.

interface RawJsonApi {
  rawJSON(text: string): object;
  isRawJSON(value: unknown): boolean;
}
const RAW = JSON as unknown as Partial<RawJsonApi>;

/** DynamoDB nests maps and lists 32 levels deep; the payload itself is one level below the item. */
export const MAX_INLINE_DEPTH = 31;

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

const keepBigIntegers: Reviver = (_key, value, context) => {
  if (typeof value !== 'number' || Number.isSafeInteger(value) || !RAW.rawJSON) return value;
  const source = context?.source;
  return source !== undefined && /^-?\d+$/.test(source) ? RAW.rawJSON(source) : value;
};

export function parseLosslessJson(text: string): unknown {
  return JSON.parse(text, keepBigIntegers as Parameters<typeof JSON.parse>[1]) as unknown;
}

export function isRawJson(value: unknown): boolean {
  return RAW.isRawJSON?.(value) === true;
}

/** Why a value cannot be stored as a DynamoDB map attribute, or undefined when it can. */
export function notStorableInline(value: unknown, depth = 0): string | undefined {
  if (isRawJson(value)) return 'it holds an integer beyond ±2^53, which a DynamoDB number cannot carry exactly';
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    return 'it holds an integer beyond ±2^53, which a DynamoDB number cannot carry exactly';
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_INLINE_DEPTH) return `it nests deeper than DynamoDB's 32 levels`;
  // The SDK's (un)marshalling assigns keys, so a `__proto__` key would be lost on the way in or out.
  if (!Array.isArray(value) && Object.hasOwn(value, '__proto__')) return 'it has a "__proto__" key, which the DynamoDB document client cannot carry';
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    const why = notStorableInline(item, depth + 1);
    if (why) return why;
  }
  return undefined;
}

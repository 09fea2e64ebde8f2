// aws-local-stepfunctions removes every backslash from the string an intrinsic function returns (it means
// to unescape `\'` and `\{` in States.Format templates), so `States.JsonToString` of a value holding `"` or
// `\` yields broken or different JSON: key `in/quo"te.mp4` arrives as `{"object":"in/quo"te.mp4"}`, key
// `in\/x.mp4` as `in/x.mp4`. A Task state's `"K.$": "States.JsonToString(<path>)"` is therefore rewritten
// for the engine into `"K": {"stask:jsonToString.$": "<path>"}` (a plain path the engine resolves without
// touching the value), and the resolved parameters get `JSON.stringify` of that value back in its place
// before the Task is dispatched — what AWS computes.

const MARKER = 'stask:jsonToString';
const CALL = /^States\.JsonToString\(\s*(\$[^,()]*?)\s*\)$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The Parameters template with every `States.JsonToString(<path>)` replaced by a marker object. */
export function rewriteJsonToString(template: unknown): unknown {
  if (Array.isArray(template)) return template.map(rewriteJsonToString);
  if (!isObject(template)) return template;
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) => {
      const path = key.endsWith('.$') && typeof value === 'string' ? CALL.exec(value)?.[1] : undefined;
      if (path !== undefined) return [key.slice(0, -2), { [`${MARKER}.$`]: path }];
      return [key, rewriteJsonToString(value)];
    }),
  );
}

/** The resolved parameters with each marker object replaced by the JSON text of its value. */
export function applyJsonToString<T>(value: T): T {
  if (Array.isArray(value)) return value.map(applyJsonToString) as T;
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === MARKER) return JSON.stringify(value[MARKER]) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, applyJsonToString(v)])) as T;
}

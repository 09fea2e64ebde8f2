/**
 * EventBridge event patterns, the subset CDK emits for the project's rules: exact values (a list of
 * allowed values), `prefix`, `suffix`, `exists`, `anything-but` (values), and nested objects. A pattern
 * field matches when the event's value (or any element of an array value) matches one of its entries.
 */
export function matchesEventPattern(event: unknown, pattern: unknown): boolean {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) return false;
  return Object.entries(pattern as Record<string, unknown>).every(([key, rule]) => {
    const value = event !== null && typeof event === 'object' ? (event as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(rule)) return rule.some((entry) => matchesEntry(value, entry));
    return matchesEventPattern(value, rule);
  });
}

function matchesEntry(value: unknown, entry: unknown): boolean {
  if (entry !== null && typeof entry === 'object') {
    const [operator, operand] = Object.entries(entry as Record<string, unknown>)[0] ?? [];
    switch (operator) {
      case 'exists':
        return (value !== undefined) === operand;
      case 'prefix':
        return anyValue(value, (v) => typeof v === 'string' && v.startsWith(String(operand)));
      case 'suffix':
        return anyValue(value, (v) => typeof v === 'string' && v.endsWith(String(operand)));
      case 'anything-but':
        return value !== undefined && !(Array.isArray(operand) ? operand : [operand]).some((o) => anyValue(value, (v) => v === o));
      default:
        throw new Error(`event pattern operator '${operator}' is not served locally`);
    }
  }
  return anyValue(value, (v) => v === entry);
}

function anyValue(value: unknown, test: (v: unknown) => boolean): boolean {
  return Array.isArray(value) ? value.some(test) : test(value);
}

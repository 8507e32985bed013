/**
 * How a field value becomes text, the same way for the console line and syslog structured data:
 * strings as they are, numbers/booleans/bigints printed, Errors as their message, Dates in
 * RFC 3339, anything else as JSON. undefined means "leave the field out".
 */
export function fieldText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  if (value instanceof Error) return value.message;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  try {
    return JSON.stringify(value) ?? undefined;
  } catch {
    // Cycles or throwing toJSON: a log call must not fail because of a field.
    return '[unserializable]';
  }
}

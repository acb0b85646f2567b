/**
 * A small JSON Schema check of edited tool arguments before they are sent: type, required, properties, enum,
 * string lengths, number ranges, array items and additionalProperties: false. The run validates them again with
 * the tool's own schema; this only catches mistakes early. (A full validator such as ajv compiles schemas with
 * `new Function`, which the console's Content-Security-Policy forbids.)
 */

type Schema = Record<string, unknown>;

const typeOf = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'array'
      : typeof value === 'number' && Number.isInteger(value)
        ? 'integer'
        : typeof value;

function fits(type: string, value: unknown): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

/** Problems of `value` against `schema`, each naming where (`args.path`); empty when it fits. */
export function checkAgainstSchema(value: unknown, schema: unknown, where = 'args'): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const s = schema as Schema;
  const issues: string[] = [];
  const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
  if (types.length > 0 && !types.some((t) => fits(t, value))) {
    return [`${where} should be ${types.join(' or ')}, not ${typeOf(value)}`];
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    issues.push(`${where} should be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  }
  if (typeof value === 'string') {
    if (typeof s.minLength === 'number' && value.length < s.minLength) issues.push(`${where} is too short`);
    if (typeof s.maxLength === 'number' && value.length > s.maxLength) issues.push(`${where} is too long`);
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) issues.push(`${where} is below ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) issues.push(`${where} is above ${s.maximum}`);
  }
  if (Array.isArray(value) && s.items) {
    value.forEach((item, i) => issues.push(...checkAgainstSchema(item, s.items, `${where}[${i}]`)));
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (s.properties ?? {}) as Record<string, unknown>;
    for (const name of Array.isArray(s.required) ? (s.required as string[]) : []) {
      if (!(name in object)) issues.push(`${where}.${name} is required`);
    }
    for (const [name, item] of Object.entries(object)) {
      if (name in properties) issues.push(...checkAgainstSchema(item, properties[name], `${where}.${name}`));
      else if (s.additionalProperties === false) issues.push(`${where}.${name} is not an argument of this tool`);
    }
  }
  return issues;
}

/**
 * DynamoDB's item size as AWS counts it against the 400 KB limit: for every attribute, the UTF-8
 * length of its name plus the size of its value. A string is its UTF-8 length; a number about one
 * byte per two significant digits plus one; a binary its length; a boolean or null one byte; a
 * list or map 3 bytes plus one per element plus its elements (map keys count as names).
 */
export const MAX_ITEM_BYTES = 400 * 1024;

export function itemBytes(item: Readonly<Record<string, unknown>>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    total += Buffer.byteLength(name, 'utf8') + valueBytes(value);
  }
  return total;
}

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return numberBytes(String(value));
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return 3 + [...value].reduce((a: number, v) => a + valueBytes(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((a: number, v) => a + 1 + valueBytes(v), 0);
  if (typeof value === 'object') {
    let n = 3;
    for (const [k, v] of Object.entries(value))
      if (v !== undefined) n += 1 + Buffer.byteLength(k, 'utf8') + valueBytes(v);
    return n;
  }
  throw new TypeError(`not a DynamoDB value: ${typeof value}`);
}

/** ceil(significant digits / 2) + 1 (leading and trailing zeros are not stored). */
function numberBytes(text: string): number {
  const digits = text
    .replace(/^-/, '')
    .replace(/e.*$/i, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

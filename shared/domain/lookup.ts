/**
 * Lookups by an id that comes from data (a region, a depot, a vehicle, a shipment). Ids such as
 * `constructor`, `toString`, `hasOwnProperty` or `__proto__` are valid ids: `record[id]` would answer
 * an inherited member of Object.prototype for them (a function, or the prototype itself), and
 * `record[id] = value` with `__proto__` changes the prototype instead of adding an entry. Prefer a
 * `Map`; where a record is the stored shape (JSON documents), go through these two.
 */

/** The record's own entry for `key`, never an inherited member. */
export function ownEntry<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * Sets the own entry `key` of a record the caller owns, in place (also for `__proto__`). For
 * records built in a loop: a copy per entry (withOwnEntry) makes a plan of n stops cost n².
 */
export function setOwnEntry<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A copy of the record with an own entry `key` (also for `__proto__`). */
export function withOwnEntry<T>(
  record: Readonly<Record<string, T>>,
  key: string,
  value: T,
): Record<string, T> {
  const copy: Record<string, T> = { ...record };
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

import { existsSync, readFileSync } from 'node:fs';
import { FleetConfig } from '../schemas/batching';
import { ConfigurationError } from '../schemas/environment';

/** FLEET_CONFIG: inline JSON, or a path to a JSON file; absent: the default fleet for every region. */
export function loadFleetConfig(value: string | undefined): FleetConfig {
  if (!value) return FleetConfig.parse({});
  const text = value.trim().startsWith('{')
    ? value
    : existsSync(value)
      ? readFileSync(value, 'utf8')
      : undefined;
  if (text === undefined) throw new ConfigurationError(`FLEET_CONFIG: no such file ${value}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError('FLEET_CONFIG is not valid JSON', { cause: error });
  }
  // A region id `__proto__` would be dropped silently by the record parse (and with it the region's
  // fleet): refuse it. Other prototype names (`constructor`, `toString`) are ordinary ids.
  const regions = (json as { regions?: unknown } | null)?.regions;
  if (regions && typeof regions === 'object' && Object.hasOwn(regions, '__proto__')) {
    throw new ConfigurationError(
      'FLEET_CONFIG is invalid: regions.__proto__: __proto__ cannot be a region id',
    );
  }
  const parsed = FleetConfig.safeParse(json);
  if (!parsed.success) {
    throw new ConfigurationError(
      `FLEET_CONFIG is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

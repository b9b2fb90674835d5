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
  const parsed = FleetConfig.safeParse(json);
  if (!parsed.success) {
    throw new ConfigurationError(
      `FLEET_CONFIG is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

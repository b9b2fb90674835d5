import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDays } from '../../shared/domain/calendar';
import { api, type RuntimeProcess, startRuntimeProcess } from './runtime-process';

/**
 * A local runtime (TIME_SCALE=60) whose one region's plans reach their dispatch cutoff `minutesAhead`
 * service minutes (as many wall seconds) from now, so a test sees a cutoff without waiting for
 * 20:00; with one vehicle V-1 at depot D-1. `serviceDate` is the date whose cutoff that is.
 */
export async function startCutoffRuntime(
  region: string,
  minutesAhead: number,
  replan: Record<string, unknown> = {},
) {
  const cutoffAt = new Date(Date.now() + minutesAhead * 60_000);
  const serviceDate = addDays(cutoffAt.toISOString().slice(0, 10), 1);
  const fleet = {
    ...(Object.keys(replan).length > 0 ? { replan } : {}),
    calendar: {
      timeZone: 'UTC',
      dispatchCutoff: { time: cutoffAt.toISOString().slice(11, 16), daysBefore: 1 },
    },
    regions: {
      [region]: {
        depots: [{ id: 'D-1', lat: 59.33, lon: 18.06 }],
        vehicles: [
          { id: 'V-1', depotId: 'D-1', capacityWeightKg: 1000, shiftStart: '07:00', shiftEnd: '17:00' },
        ],
      },
    },
  };
  const runtime: RuntimeProcess = await startRuntimeProcess({
    env: { TIME_SCALE: '60', FLEET_CONFIG: JSON.stringify(fleet) },
  });
  const scmUrl = (
    JSON.parse(readFileSync(join(runtime.dataDir, 'callbacks.json'), 'utf8')) as { fakeScmUrl: string }
  ).fakeScmUrl;
  /** The callbacks the fake SCM answered 200 for this shipment, in order, with their bodies parsed. */
  const received = async (shipmentId: string) =>
    (
      (await (await fetch(`${scmUrl}/_received`)).json()) as {
        webhookId: string;
        body: string;
        answer: number | string;
      }[]
    )
      .filter((r) => r.answer === 200)
      .map((r) => ({ webhookId: r.webhookId, payload: JSON.parse(r.body) }))
      .filter((r) => r.payload.data?.shipmentId === shipmentId);
  /** A NEXT_DAY shipment for `serviceDate` near the depot, 08:00–16:00. */
  const nextDay = (shipmentId: string) => ({
    shipmentId,
    version: 1,
    region,
    serviceLevel: 'NEXT_DAY',
    origin: { depotId: 'D-1', lat: 59.33, lon: 18.06 },
    destination: { lat: 59.35, lon: 18.0 },
    timeWindow: { start: `${serviceDate}T08:00:00Z`, end: `${serviceDate}T16:00:00Z` },
    weightKg: 20,
  });
  return { runtime, call: api(runtime), serviceDate, received, nextDay };
}

import { addDays, instantOf, localDateOf } from '../../shared/domain/calendar';
import type { DepotInput, ShipmentJobInput } from '../../shared/solver';
import { Rng } from '../../shared/solver/util/random';

/** Deterministic uniform [0, 1) numbers from the engine's own seeded generator. */
export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

export interface DayShipment {
  job: ShipmentJobInput;
  region: string;
  priority: 'URGENT' | 'STANDARD' | 'BULK';
  /** Epoch seconds. */
  arrival: number;
}

export interface GeneratedDay {
  day: number;
  regions: { region: string; depots: DepotInput[] }[];
  shipments: DayShipment[];
}

const REGIONS = [
  {
    region: 'stockholm',
    center: { lat: 59.33, lon: 18.07 },
    depots: [
      { lat: 59.36, lon: 17.95 },
      { lat: 59.27, lon: 18.17 },
    ],
  },
  {
    region: 'gothenburg',
    center: { lat: 57.71, lon: 11.97 },
    depots: [
      { lat: 57.75, lon: 12.0 },
      { lat: 57.66, lon: 11.93 },
    ],
  },
  {
    region: 'malmo',
    center: { lat: 55.6, lon: 13.0 },
    depots: [
      { lat: 55.62, lon: 13.05 },
      { lat: 55.56, lon: 12.97 },
    ],
  },
];

/** Arrivals per hour (UTC) of a 2,500-shipment day: two peaks of 400 an hour. */
export const HOURLY = [
  0, 0, 0, 0, 0, 20, 90, 150, 250, 400, 230, 150, 140, 180, 400, 230, 120, 70, 40, 20, 10, 0, 0, 0,
];

/**
 * One generated day: 2,500 shipments over 3 regions (each with 2 depots; population-weighted),
 * destinations around the city centre (most within 10 km, a tail to 30 km), 15 % URGENT,
 * 60 % STANDARD, 25 % BULK, a third with a 3-hour delivery window later that day.
 */
export function generateDay(seed = 7, total = 2500): GeneratedDay {
  const random = rng(seed);
  const day = Date.UTC(2026, 10, 26) / 1000;
  const hourly = HOURLY.map((n) => Math.round((n * total) / 2500));
  const regions = REGIONS.map((r) => ({
    region: r.region,
    depots: r.depots.map((d, i) => ({ id: `${r.region}-D${i + 1}`, location: d })),
  }));
  const weights = [0.5, 0.3, 0.2];
  const shipments: DayShipment[] = [];
  let n = 0;
  hourly.forEach((count, hour) => {
    for (let k = 0; k < count; k++) {
      const arrival = day + hour * 3600 + Math.floor(random() * 3600);
      const u = random();
      const ri = u < weights[0]! ? 0 : u < weights[0]! + weights[1]! ? 1 : 2;
      const spec = REGIONS[ri]!;
      const depot = regions[ri]!.depots[Math.floor(random() * 2)]!;
      const radiusKm = Math.min(30, -Math.log(1 - random()) * 5);
      const angle = random() * 2 * Math.PI;
      const lat = spec.center.lat + (radiusKm / 111) * Math.sin(angle);
      const lon =
        spec.center.lon + (radiusKm / (111 * Math.cos((spec.center.lat * Math.PI) / 180))) * Math.cos(angle);
      const p = random();
      const priority = p < 0.15 ? 'URGENT' : p < 0.75 ? 'STANDARD' : 'BULK';
      const windowed = random() < 0.33;
      const start = arrival + 3600 + Math.floor(random() * 4) * 3600;
      shipments.push({
        region: spec.region,
        priority,
        arrival,
        job: {
          id: `SHP-${String(++n).padStart(5, '0')}`,
          originDepotId: depot.id,
          destination: { lat, lon },
          weightKg: 1 + Math.floor(random() * 40),
          volumeM3: 0.01 + random() * 0.2,
          serviceSeconds: 180 + Math.floor(random() * 300),
          ...(windowed ? { timeWindow: { start, end: start + 3 * 3600 } } : {}),
          mustServe: priority === 'URGENT',
        },
      });
    }
  });
  shipments.sort((a, b) => a.arrival - b.arrival);
  return { day, regions, shipments };
}

export type ServiceLevel = 'SAME_DAY' | 'NEXT_DAY' | 'ECONOMY';

export interface ServiceDayShipment extends DayShipment {
  /** As an SCM sends it: URGENT ones SAME_DAY, STANDARD NEXT_DAY, BULK ECONOMY. */
  serviceLevel: ServiceLevel;
}

export interface ServiceDay extends GeneratedDay {
  /** The local date the shipments arrive on (in `timeZone`). */
  today: string;
  timeZone: string;
  shipments: ServiceDayShipment[];
}

/**
 * The same day as `generateDay` (same arrivals, places and sizes: the simulator's day is left as it
 * is) with the service levels and time windows an SCM sends for delivery dates (contract §3a), in
 * local times of `timeZone`: SAME_DAY for the URGENT ones (a third with a 3-hour window later
 * today, when it ends today); NEXT_DAY for the STANDARD ones, 40 % with tomorrow's day window
 * (08:00–16:00), 35 % with a 3-hour slot tomorrow (starting 08:00–14:00), 25 % without a window;
 * ECONOMY without a window for the BULK ones. Tomorrow is the calendar day after the arrival's
 * local date; the service dates themselves are the product's to derive (`serviceDateFor`).
 */
export function generateServiceDay(seed = 7, total = 2500, timeZone = 'Europe/Stockholm'): ServiceDay {
  const day = generateDay(seed, total);
  const random = rng(seed ^ 0x5e4d1a7e);
  const today = localDateOf(day.day * 1000 + 12 * 3600_000, timeZone);
  const at = (date: string, hhmm: string) => instantOf(date, hhmm, timeZone) / 1000;
  const shipments = day.shipments.map((s): ServiceDayShipment => {
    const { timeWindow, ...job } = s.job;
    if (s.priority === 'URGENT') {
      const local = localDateOf(s.arrival * 1000, timeZone);
      const endsToday = timeWindow && timeWindow.end <= at(local, '24:00');
      return { ...s, serviceLevel: 'SAME_DAY', job: endsToday ? s.job : job };
    }
    if (s.priority === 'BULK') return { ...s, serviceLevel: 'ECONOMY', job };
    const tomorrow = addDays(localDateOf(s.arrival * 1000, timeZone), 1);
    const u = random();
    const startHour = 8 + Math.floor(random() * 7);
    const window =
      u < 0.4
        ? { start: at(tomorrow, '08:00'), end: at(tomorrow, '16:00') }
        : u < 0.75
          ? {
              start: at(tomorrow, `${String(startHour).padStart(2, '0')}:00`),
              end: at(tomorrow, `${String(startHour + 3).padStart(2, '0')}:00`),
            }
          : undefined;
    return { ...s, serviceLevel: 'NEXT_DAY', job: window ? { ...job, timeWindow: window } : job };
  });
  return { ...day, today, timeZone, shipments };
}

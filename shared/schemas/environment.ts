import { z } from 'zod';
import { ConfigurationError } from '../domain/errors';

const optionalUrl = z.url().optional();
const positiveNumber = (fallback: number) => z.coerce.number().positive().default(fallback);

/**
 * The environment every function and the local runtime read once, at cold start. Endpoint
 * overrides make the same code run against AWS, LocalStack (AWS_ENDPOINT_URL, honoured by the
 * SDK itself) or the embedded local services.
 */
export const Environment = z.object({
  AWS_REGION: z.string().default('eu-north-1'),
  SHIPMENTS_TABLE: z.string().min(1),
  IDEMPOTENCY_TABLE: z.string().min(1),
  EVENT_BUS_NAME: z.string().min(1),
  DYNAMODB_ENDPOINT: optionalUrl,
  EVENTBRIDGE_ENDPOINT: optionalUrl,
  SQS_ENDPOINT: optionalUrl,
  /** Declared value at or above which a shipment without explicit priority is URGENT. */
  URGENT_DECLARED_VALUE: positiveNumber(10_000),
  /** Farthest a destination may be from its origin depot, great-circle km (contract §1). */
  MAX_DELIVERY_RADIUS_KM: positiveNumber(1000),
  /** Largest accepted request body, bytes (contract: 256 KiB). */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  /** Idempotency records live this long (contract: 24 h). */
  IDEMPOTENCY_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(24 * 3600),
  /** 60 makes a 10-minute window last 10 s (local runtime and tests only). */
  TIME_SCALE: positiveNumber(1),
  /**
   * The service clock's anchor (local runtime): at wall time CLOCK_ANCHOR_WALL_MS it read
   * CLOCK_ANCHOR_MS. Set together, so every clock of the process reads one time, which continues
   * across restarts (kept in DATA_DIR). Absent: the clock starts at the wall clock.
   */
  CLOCK_ANCHOR_MS: z.coerce.number().int().optional(),
  CLOCK_ANCHOR_WALL_MS: z.coerce.number().int().optional(),
  BATCHING_TABLE: z.string().min(1),
  /** Batch optimizer work queues, per priority (the window tick and the consumers enqueue). */
  BATCH_JOBS_P1_URL: z.string().optional(),
  BATCH_JOBS_P2_URL: z.string().optional(),
  /** Window length per priority, minutes (contract §3: default 10). */
  WINDOW_MINUTES_STANDARD: positiveNumber(10),
  WINDOW_MINUTES_BULK: positiveNumber(10),
  /** A window closes early when it holds this many shipments (contract §3: 100). */
  MAX_BATCH_SIZE: z.coerce.number().int().min(1).max(500).default(100),
  /** Optimization time budget per batch, seconds (contract §3: default 30, at most 60). */
  BATCH_BUDGET_SECONDS: z.coerce.number().min(0.1).max(60).default(30),
  /** Iterations without improvement after which a batch optimization stops before its budget. */
  BATCH_STALL_ITERATIONS: z.coerce.number().int().min(1).default(20_000),
  /** Real-time budget of the URGENT path inside the API call, ms (contract §3: 10 s in all). */
  URGENT_BUDGET_MS: z.coerce.number().int().min(1).max(10_000).default(10_000),
  /** Local repair after a real-time insertion, ms: answers fast, well inside the budget. */
  URGENT_REPAIR_MS: z.coerce.number().int().min(1).max(10_000).default(150),
  /**
   * Seconds (clock time) an idle vehicle waits at its depot after taking an URGENT shipment, so that
   * URGENT shipments arriving meanwhile from that depot join it instead of each using up a vehicle.
   */
  URGENT_DISPATCH_LEAD_SECONDS: z.coerce.number().int().min(0).max(3600).default(300),
  /** Budget of one p0 consumer attempt, ms. */
  URGENT_QUEUE_BUDGET_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  MAX_CONCURRENT_BATCHES: z.coerce.number().int().min(1).default(4),
  MAX_UNASSIGNED_WINDOWS: z.coerce.number().int().min(1).default(3),
  /** Fleet per region: inline JSON or a path to a JSON file (contract §3). Absent: default fleet. */
  FLEET_CONFIG: z.string().optional(),
  /**
   * Where distances and durations come from: the great-circle estimate (FLEET_CONFIG roadFactor
   * and speedKmh), an OSRM-compatible `table` server, or Amazon Location Service route matrices.
   */
  ROUTING_MATRIX: z.enum(['great-circle', 'osrm', 'amazon-location']).default('great-circle'),
  /** OSRM-compatible server (required with ROUTING_MATRIX=osrm), e.g. http://osrm.internal:5000. */
  OSRM_URL: optionalUrl,
  OSRM_PROFILE: z.string().min(1).default('driving'),
  /** The server's --max-table-size: coordinates per table request. */
  OSRM_MAX_TABLE_SIZE: z.coerce.number().int().min(2).default(100),
  AMAZON_LOCATION_TRAVEL_MODE: z.enum(['Car', 'Truck']).default('Car'),
  /** Explicit geo-routes endpoint (LocalStack, a stand-in); default: the region's AWS endpoint. */
  AMAZON_LOCATION_ENDPOINT: optionalUrl,
  /** A provider call slower than this is answered by the great-circle estimate instead, ms. */
  ROUTING_MATRIX_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(4_000),
  /** Points whose pairwise values are remembered per container (0: no cache). */
  ROUTING_MATRIX_CACHE_POINTS: z.coerce.number().int().min(0).max(5_000).default(2_000),
});
export type Environment = z.infer<typeof Environment>;

/** Cross-field rules: what the chosen routing-matrix provider needs. */
const ServiceEnvironment = Environment.superRefine((env, ctx) => {
  if (env.ROUTING_MATRIX === 'osrm' && !env.OSRM_URL) {
    ctx.addIssue({
      code: 'custom',
      path: ['OSRM_URL'],
      message: 'required when ROUTING_MATRIX=osrm (the OSRM-compatible server, e.g. http://osrm:5000)',
    });
  }
});

export { ConfigurationError };

/** Parses the environment, failing at cold start with every problem listed. */
export function parseEnvironment(env: Record<string, string | undefined> = process.env): Environment {
  const result = ServiceEnvironment.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigurationError(`invalid environment: ${problems}`, { cause: result.error });
  }
  return result.data;
}

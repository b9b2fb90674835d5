import { z } from 'zod';

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
});
export type Environment = z.infer<typeof Environment>;

export class ConfigurationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigurationError';
  }
}

/** Parses the environment, failing at cold start with every problem listed. */
export function parseEnvironment(env: Record<string, string | undefined> = process.env): Environment {
  const result = Environment.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigurationError(`invalid environment: ${problems}`, { cause: result.error });
  }
  return result.data;
}

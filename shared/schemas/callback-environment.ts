import { z } from 'zod';
import { ConfigurationError, Environment } from './environment';

/**
 * What the callback functions read at cold start, besides the common environment. In AWS the
 * signing secret comes from Secrets Manager (SCM_WEBHOOK_SECRET_ARN); locally from
 * SCM_WEBHOOK_SECRET. One of the two is required.
 */
export const CallbackEnvironment = Environment.extend({
  CALLBACKS_TABLE: z.string().min(1),
  SCM_CALLBACK_URL: z.url(),
  SCM_WEBHOOK_SECRET_ARN: z.string().min(1).optional(),
  SCM_WEBHOOK_SECRET: z.string().min(1).optional(),
  CALLBACK_MODE: z.enum(['live', 'shadow']).default('live'),
  SHADOW_CALLBACK_URL: z.url().optional(),
  /** Rollout (CALLBACK_MODE=live): the SSM parameter holding the live share (AWS). */
  LIVE_SHARE_PARAMETER: z.string().min(1).optional(),
  /** Rollout, locally: the file holding the live share (`npm run rollout:set`). */
  LIVE_SHARE_FILE: z.string().min(1).optional(),
  /** The share while LIVE_SHARE_FILE does not exist yet (default 1: every shipment live). */
  LIVE_SHARE: z.coerce.number().min(0).max(1).default(1),
  /** How long a read share is kept before it is read again. */
  LIVE_SHARE_MAX_AGE_SECONDS: z.coerce.number().positive().default(60),
  SSM_ENDPOINT: z.url().optional(),
  CALLBACK_DLQ_URL: z.string().min(1),
  BREAKER_FAILURE_THRESHOLD: z.coerce.number().int().positive().default(5),
  BREAKER_OPEN_SECONDS: z.coerce.number().positive().default(60),
  SECRETS_MANAGER_ENDPOINT: z.url().optional(),
  STEPFUNCTIONS_ENDPOINT: z.url().optional(),
}).refine((env) => env.SCM_WEBHOOK_SECRET_ARN || env.SCM_WEBHOOK_SECRET, {
  message: 'SCM_WEBHOOK_SECRET_ARN or SCM_WEBHOOK_SECRET is required',
  path: ['SCM_WEBHOOK_SECRET_ARN'],
});
export type CallbackEnvironment = z.infer<typeof CallbackEnvironment>;

/** Environment of the redrive operations function. */
export const RedriveEnvironment = z.object({
  AWS_REGION: z.string().default('eu-north-1'),
  CALLBACK_DLQ_URL: z.string().min(1),
  CALLBACK_STATE_MACHINE_ARN: z.string().min(1),
  SQS_ENDPOINT: z.url().optional(),
  STEPFUNCTIONS_ENDPOINT: z.url().optional(),
});
export type RedriveEnvironment = z.infer<typeof RedriveEnvironment>;

export function parseWith<T extends z.ZodType>(
  schema: T,
  env: Record<string, string | undefined> = process.env,
): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigurationError(`invalid environment: ${problems}`, { cause: result.error });
  }
  return result.data;
}

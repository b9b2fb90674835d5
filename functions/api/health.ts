import type { APIGatewayProxyResult } from 'aws-lambda';

/** GET /health: liveness, no auth. */
export const handler = async (): Promise<APIGatewayProxyResult> => ({
  statusCode: 200,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ status: 'ok' }),
});

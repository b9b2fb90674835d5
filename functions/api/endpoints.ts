/**
 * The HTTP endpoints, declared once: the CDK API construct creates a method and a function for each,
 * the local gateway serves the same table. `entry` is relative to the repository root.
 */
export interface ApiEndpoint {
  method: 'GET' | 'POST' | 'PUT';
  /** API Gateway resource path with {parameters}. */
  resource: string;
  entry: string;
  handler: string;
  /** Whether the endpoint needs x-api-key (everything under /v1). */
  apiKey: boolean;
  /** Read-only endpoints get read-only table access. */
  access: 'read' | 'write' | 'none';
  /** Unique id for the function, used by CDK. */
  id: string;
  /**
   * Lambda memory, MB (default 512). Endpoints that may optimize an URGENT shipment inside the call
   * get 1,769 MB: one full vCPU for the real-time insertion.
   */
  memorySize?: number;
  /** The endpoint may plan an URGENT shipment inside the call: it needs the routing matrix. */
  plansRoutes?: boolean;
}

/** One full vCPU on Lambda (CPU grows with memory; 1,769 MB is one vCPU). */
const ONE_VCPU_MB = 1769;

export const API_ENDPOINTS: readonly ApiEndpoint[] = [
  {
    id: 'CreateShipment',
    method: 'POST',
    resource: '/v1/shipments',
    entry: 'functions/api/shipments.ts',
    handler: 'createShipment',
    apiKey: true,
    access: 'write',
    memorySize: ONE_VCPU_MB,
    plansRoutes: true,
  },
  {
    id: 'ReplaceShipment',
    method: 'PUT',
    resource: '/v1/shipments/{shipmentId}',
    entry: 'functions/api/shipments.ts',
    handler: 'replaceShipment',
    apiKey: true,
    access: 'write',
    memorySize: ONE_VCPU_MB,
    plansRoutes: true,
  },
  {
    id: 'CancelShipment',
    method: 'POST',
    resource: '/v1/shipments/{shipmentId}/cancel',
    entry: 'functions/api/shipments.ts',
    handler: 'cancel',
    apiKey: true,
    access: 'write',
  },
  {
    id: 'ListShipments',
    method: 'GET',
    resource: '/v1/shipments',
    entry: 'functions/api/shipments.ts',
    handler: 'list',
    apiKey: true,
    access: 'read',
  },
  {
    id: 'GetShipment',
    method: 'GET',
    resource: '/v1/shipments/{shipmentId}',
    entry: 'functions/api/shipments.ts',
    handler: 'get',
    apiKey: true,
    access: 'read',
  },
  {
    id: 'ShipmentEvents',
    method: 'GET',
    resource: '/v1/shipments/{shipmentId}/events',
    entry: 'functions/api/shipments.ts',
    handler: 'events',
    apiKey: true,
    access: 'read',
  },
  {
    id: 'GetRoute',
    method: 'GET',
    resource: '/v1/routes/{routeId}',
    entry: 'functions/api/shipments.ts',
    handler: 'route',
    apiKey: true,
    access: 'read',
  },
  {
    id: 'Health',
    method: 'GET',
    resource: '/health',
    entry: 'functions/api/health.ts',
    handler: 'handler',
    apiKey: false,
    access: 'none',
  },
];

/** Matches a concrete path against a resource template; returns the path parameters or undefined. */
export function matchResource(resource: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const regex = new RegExp(
    `^${resource.replace(/\{([^}]+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}$`,
  );
  const match = regex.exec(path);
  if (!match) return undefined;
  return Object.fromEntries(names.map((n, i) => [n, decodePathSegment(match[i + 1] ?? '')]));
}

/**
 * A path segment, percent-decoded; one that is not valid percent-encoded UTF-8 (`%ZZ`, a lone `%`,
 * `%C0%AE`) is passed on as it came, for the function to refuse (400) after the API-key check.
 */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

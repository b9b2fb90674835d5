/** Mean Earth radius (IUGG), metres. */
const EARTH_RADIUS_M = 6_371_008.8;

/**
 * Contract §1: the farthest a destination may be from its origin depot, great-circle km
 * (MAX_DELIVERY_RADIUS_KM). A shipment beyond it cannot be routed from that depot; a typical
 * cause is swapped or mistyped coordinates.
 */
export const DEFAULT_MAX_DELIVERY_RADIUS_KM = 1000;

/** Great-circle (haversine) distance between two points, km. */
export function greatCircleKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return (2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)))) / 1000;
}

import { describe, expect, it } from 'vitest';
import { routingBoundary } from '../../shared/adapters/location/route-matrix';

describe('Amazon Location routing boundary', () => {
  it('is the bounding box of the points plus the margin, south-west first', () => {
    const boundary = routingBoundary(
      [
        { lat: 59.3, lon: 18.0 },
        { lat: 59.4, lon: 18.2 },
      ],
      10_000,
    );
    const [w, s, e, n] = boundary.Geometry!.BoundingBox!;
    expect(s).toBeCloseTo(59.3 - 10_000 / 111_320, 4);
    expect(n).toBeCloseTo(59.4 + 10_000 / 111_320, 4);
    expect(w).toBeLessThan(18.0 - 0.15);
    expect(e).toBeGreaterThan(18.2 + 0.15);
  });

  it('drops the margin rather than exceed the 400 km diagonal, then goes Unbounded', () => {
    // about 390 km apart: the bare box fits, the box with 10 km around it does not
    const near = routingBoundary(
      [
        { lat: 57.7, lon: 11.97 },
        { lat: 59.33, lon: 18.06 },
      ],
      10_000,
    );
    expect(near.Geometry?.BoundingBox).toEqual([11.97, 57.7, 18.06, 59.33]);
    expect(
      routingBoundary(
        [
          { lat: 59.33, lon: 18.06 },
          { lat: 55.6, lon: 13.0 },
        ],
        10_000,
      ),
    ).toEqual({
      Unbounded: true,
    });
    // across the antimeridian
    expect(
      routingBoundary(
        [
          { lat: -17.7, lon: 178.4 },
          { lat: -17.8, lon: -179.9 },
        ],
        0,
      ),
    ).toEqual({
      Unbounded: true,
    });
  });
});

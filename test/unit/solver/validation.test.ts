import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProblemValidationError, planRoutes, type RoutingInput, validateInput } from '../../../shared/solver';

const dir = join(__dirname, '../../fixtures/solver/invalid');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('problem validation', () => {
  it('has broken fixtures', () => {
    expect(fixtures.length).toBeGreaterThan(5);
  });

  for (const file of fixtures) {
    it(`${file} is rejected with its field`, async () => {
      const { expectField, input } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        expectField: string;
        input: RoutingInput;
      };
      let err: unknown;
      try {
        validateInput(input);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ProblemValidationError);
      expect((err as ProblemValidationError).name).toBe('ProblemValidationError');
      expect((err as ProblemValidationError).field).toBe(expectField);
      await expect(planRoutes(input, { timeLimitMs: 10, inThread: true })).rejects.toBeInstanceOf(
        ProblemValidationError,
      );
    });
  }
});

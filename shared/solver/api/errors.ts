/** Thrown when routing input is malformed; `field` is the offending path, e.g. `shipments[3].weightKg`. */
export class ProblemValidationError extends Error {
  override readonly name = 'ProblemValidationError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

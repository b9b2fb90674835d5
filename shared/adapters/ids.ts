import { randomUUID } from 'node:crypto';
import type { IdGenerator } from '../domain/ports';

export const uuidIds: IdGenerator = { next: () => randomUUID() };

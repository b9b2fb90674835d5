import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { itemBytes, MAX_ITEM_BYTES } from '../../../shared/adapters/dynamodb/item-size';
import { SLICE_BYTES, SplitPlanStore, sliceDocument } from '../../../shared/adapters/dynamodb/plan-store';
import type { RegionPlan } from '../../../shared/schemas/batching';
import { bigPlan } from './big-plan';

/** An in-memory table that answers what SplitPlanStore asks (put with its conditions, get, delete, query). */
function memoryTable() {
  const items = new Map<string, Record<string, unknown>>();
  const key = (pk: unknown, sk: unknown) => `${String(pk)}\u0000${String(sk)}`;
  const sizes: number[] = [];
  const doc = {
    async send(cmd: unknown) {
      if (cmd instanceof PutCommand) {
        const item = cmd.input.Item as Record<string, unknown>;
        const size = itemBytes(item);
        sizes.push(size);
        if (size > MAX_ITEM_BYTES)
          throw Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
            name: 'ValidationException',
          });
        const old = items.get(key(item.pk, item.sk));
        const cond = cmd.input.ConditionExpression;
        const prev = cmd.input.ExpressionAttributeValues?.[':prev'];
        if (
          (cond === 'attribute_not_exists(pk)' && old) ||
          (cond === 'revision = :prev' && old?.revision !== prev)
        )
          throw Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' });
        items.set(key(item.pk, item.sk), item);
        return {};
      }
      if (cmd instanceof GetCommand) return { Item: items.get(key(cmd.input.Key?.pk, cmd.input.Key?.sk)) };
      if (cmd instanceof DeleteCommand) {
        items.delete(key(cmd.input.Key?.pk, cmd.input.Key?.sk));
        return {};
      }
      if (cmd instanceof QueryCommand) {
        const v = cmd.input.ExpressionAttributeValues ?? {};
        const found = [...items.values()].filter(
          (i) => i.pk === v[':pk'] && String(i.sk).startsWith(String(v[':r'])),
        );
        return { Items: found.sort((a, b) => String(a.sk).localeCompare(String(b.sk))) };
      }
      throw new Error('unexpected command');
    },
  };
  return { doc: doc as unknown as DynamoDBDocumentClient, items, sizes };
}

const stopsOf = (plan: RegionPlan | undefined) =>
  ((plan as RegionPlan).plan as { routes: { stops: { shipmentId: string }[] }[] }).routes.flatMap((r) =>
    r.stops.map((s) => s.shipmentId),
  );

describe('a large plan never hits DynamoDB’s 400 KB item limit (issue 10 §6)', () => {
  it('counts an item as AWS does: attribute names plus values', () => {
    expect(itemBytes({ pk: 'ab', n: 123.45, b: true, s: 'é' })).toBe(2 + 2 + 1 + (3 + 1) + 1 + 1 + 1 + 2);
    expect(itemBytes({ m: { a: 'x' }, l: ['y', 10] })).toBe(1 + (3 + 1 + 1 + 1) + 1 + (3 + 1 + 1 + 1 + 2));
  });

  it('cuts a document on character boundaries and puts it back together', () => {
    const text = `${'a'.repeat(5)}éé€😀${'b'.repeat(7)}`;
    for (const max of [4, 5, 6, 7, 9]) {
      const parts = sliceDocument(text, max);
      expect(parts.join('')).toBe(text);
      for (const p of parts) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(max);
    }
  });

  const cases = [
    {
      name: '5,000 stops on 100 routes, 64-character ids',
      stops: 5000,
      perRoute: 50,
      idLength: 64,
      items: 100,
    },
    {
      name: '5,000 stops on 5 routes of 1,000 (a route ~540 KB whole)',
      stops: 5000,
      perRoute: 1000,
      idLength: 64,
      items: 10,
    },
    {
      name: '5,000 stops and a fleet of 1,000 vehicles (a header ~590 KB whole)',
      stops: 5000,
      perRoute: 50,
      idLength: 64,
      vehicles: 1000,
      items: 102,
    },
  ];
  for (const c of cases) {
    it(`stores and reads back ${c.name}, every item under 400 KB`, async () => {
      const table = memoryTable();
      const store = new SplitPlanStore(table.doc, 't');
      const plan = bigPlan(c);
      expect(await store.write('PLAN#r#d', plan)).toBe(true);
      expect(Math.max(...table.sizes)).toBeLessThanOrEqual(SLICE_BYTES + 1024);
      for (const item of table.items.values()) expect(itemBytes(item)).toBeLessThan(MAX_ITEM_BYTES);
      const read = await new SplitPlanStore(table.doc, 't').read('PLAN#r#d');
      expect(stopsOf(read)).toEqual(stopsOf(plan));
      expect(read?.input).toEqual(plan.input);
      expect(read?.routeIds).toEqual(plan.routeIds);
      expect(read?.versions).toEqual(plan.versions);

      // The next revision with one route changed: the other items are kept, the replaced ones and
      // the old header's slices are gone, and nothing is left over.
      const routes = (plan.plan as { routes: { stops: unknown[] }[] }).routes;
      const next: RegionPlan = {
        ...plan,
        revision: 2,
        plan: {
          ...(plan.plan as object),
          routes: routes.map((r, k) => (k === 1 ? { ...r, stops: [...r.stops].reverse() } : r)),
        },
      };
      const before = new Set(table.items.keys());
      expect(await store.write('PLAN#r#d', next)).toBe(true);
      const fresh = [...table.items.keys()].filter((k) => !before.has(k));
      expect(fresh.length).toBeGreaterThanOrEqual(1);
      const reread = await new SplitPlanStore(table.doc, 't').read('PLAN#r#d');
      expect(reread?.revision).toBe(2);
      expect(stopsOf(reread)).toEqual(stopsOf(next));
      // a fresh writer that did not know revision 2 still leaves exactly the items revision 3 names
      const third = { ...next, revision: 3 };
      expect(await new SplitPlanStore(table.doc, 't').write('PLAN#r#d', third)).toBe(true);
      expect(stopsOf(await store.read('PLAN#r#d'))).toEqual(stopsOf(next));
      const routeItems = [...table.items.values()].filter((i) => String(i.sk).startsWith('ROUTE#'));
      expect(routeItems).toHaveLength(c.items);
    }, 120_000);
  }
});

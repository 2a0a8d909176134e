import { expect } from 'vitest';
import type { TestApp } from '../../../test/harness.ts';
import type { ProductSummaryView } from './views.ts';

/** Calling the browse routes from tests: query strings with repeated parameters, page walks. */

export type Query = Record<string, string | number | string[]>;

export interface ProductPage {
  items: ProductSummaryView[];
  nextCursor: string | null;
}

export function queryString(query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  return params.toString();
}

/** A browse route of the API, e.g. `/products` or `/shops/{id}/products`. */
export function lister(t: TestApp, path: string) {
  const raw = (query: Query, init?: RequestInit) =>
    t.request(`/api/v1${path}?${queryString(query)}`, init);

  async function page(query: Query): Promise<ProductPage> {
    const res = await raw(query);
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as ProductPage;
  }

  /** The ids of the whole list, on one page. */
  async function ids(query: Query): Promise<string[]> {
    const found = await page({ ...query, limit: 100 });
    expect(found.nextCursor).toBeNull();
    return found.items.map((item) => item.id);
  }

  /** Every page, `limit` at a time: each full but the last, which ends the walk. */
  async function walk(query: Query, limit: number): Promise<string[]> {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 100; pages += 1) {
      const found: ProductPage = await page({ ...query, limit, ...(cursor ? { cursor } : {}) });
      seen.push(...found.items.map((item) => item.id));
      cursor = found.nextCursor;
      if (!cursor) return seen;
      expect(found.items).toHaveLength(limit);
    }
    throw new Error('the walk never ended');
  }

  async function cursorOf(query: Query): Promise<string> {
    const found = await page({ ...query, limit: 1 });
    expect(found.nextCursor).toEqual(expect.any(String));
    return found.nextCursor as string;
  }

  return { raw, page, ids, walk, cursorOf };
}

type Direction = 'asc' | 'desc';

/** `rows` sorted by each key in turn, as the API orders them; ids compare as text (uuidv7). */
export function sortedBy<T>(rows: T[], ...keys: [(row: T) => number | string, Direction][]): T[] {
  return [...rows].sort((a, b) => {
    for (const [value, direction] of keys) {
      const [x, y] = [value(a), value(b)];
      if (x !== y) return (x < y ? -1 : 1) * (direction === 'asc' ? 1 : -1);
    }
    return 0;
  });
}

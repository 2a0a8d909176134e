import { z } from '@hono/zod-openapi';
import { and, Column, or, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Config } from '../../config.ts';
import { hmacKey, hmacSha256, sha256, toBase64Url } from '../crypto.ts';
import { BadInput } from './errors.ts';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

/** `?limit=&cursor=` for every list route; extend it with the list's own filters. */
export const PageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_LIMIT)
    .default(DEFAULT_LIMIT)
    .openapi({ description: `Page size, 1 to ${MAX_LIMIT}.`, example: DEFAULT_LIMIT }),
  cursor: z
    .string()
    .max(1024)
    .optional()
    .openapi({ description: 'The `nextCursor` of the previous page; omit for the first page.' }),
});

export type PageInput = z.infer<typeof PageQuery>;

/** The response shape of every list: `{ items, nextCursor }`. */
export const pageOf = <T extends z.ZodType>(item: T, name: string) =>
  z
    .object({
      items: z.array(item),
      nextCursor: z
        .string()
        .nullable()
        .openapi({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
    })
    .openapi(name);

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

type CursorValue = string | number | boolean | Date;
type Encoded = string | number | boolean | { d: string };

const encodedSchema = z.object({
  s: z.string(),
  v: z.array(z.union([z.string(), z.number(), z.boolean(), z.object({ d: z.iso.datetime() })])),
});

const encoder = new TextEncoder();
/** Keeps a cursor's MAC from meaning anything elsewhere the same secret signs. */
const keyed = (secret: string) => `mercato-cursor:${secret}`;

function invalidCursor(): BadInput {
  return new BadInput('invalid-cursor', 'The cursor is not valid for this list.', {
    fields: [{ path: 'cursor', message: 'not a cursor this list issued' }],
  });
}

/**
 * Cursors are opaque to clients: the position (sort values of the last row) and the list's
 * scope, signed. A tampered cursor, or one issued by another list or sort order, is refused.
 */
export async function encodeCursor(
  secret: string,
  scope: string,
  values: CursorValue[],
): Promise<string> {
  const payload = JSON.stringify({
    s: scope,
    v: values.map((v): Encoded => (v instanceof Date ? { d: v.toISOString() } : v)),
  });
  const body = encoder.encode(payload);
  const signature = await hmacSha256(keyed(secret), body);
  return `${toBase64Url(body)}.${toBase64Url(signature)}`;
}

export async function decodeCursor(
  secret: string,
  scope: string,
  cursor: string,
): Promise<CursorValue[]> {
  const [body, signature, extra] = cursor.split('.');
  if (!body || !signature || extra !== undefined) throw invalidCursor();
  const bodyBytes = Buffer.from(body, 'base64url');
  const valid = await crypto.subtle.verify(
    'HMAC',
    await hmacKey(keyed(secret)),
    Buffer.from(signature, 'base64url'),
    bodyBytes,
  );
  if (!valid) throw invalidCursor();
  let parsed: z.infer<typeof encodedSchema>;
  try {
    parsed = encodedSchema.parse(JSON.parse(bodyBytes.toString('utf8')));
  } catch {
    throw invalidCursor();
  }
  if (parsed.s !== scope) throw invalidCursor();
  return parsed.v.map((v) => (typeof v === 'object' ? new Date(v.d) : v));
}

/**
 * The scope of a cursor from a searchable list: `list` (its name and order) and a digest of the
 * query that issued it, paging apart. A rank or a distance in a cursor means nothing to another
 * query, and a changed filter would start mid-list, so a cursor works only for its own query.
 */
export async function queryScope(list: string, query: PageInput & object): Promise<string> {
  const { cursor: _cursor, limit: _limit, ...rest } = query;
  // Sorted top-level keys; nested values are built in one order by the query's schema.
  const digest = await sha256(JSON.stringify(Object.fromEntries(Object.entries(rest).sort())));
  return `${list}:${toBase64Url(digest).slice(0, 22)}`;
}

export interface SortKey<Row> {
  /** A column, or an expression (a rank, a distance) that the query also selects. */
  column: AnyPgColumn | SQL;
  direction: 'asc' | 'desc';
  /** Reads this key's value off a returned row, to build the next cursor. */
  value: (row: Row) => CursorValue;
}

export interface KeysetOptions<Row> {
  /** Names the list and its order, e.g. `listings:price-asc`; a cursor works only here. */
  scope: string;
  /**
   * The sort order. The last key must be unique (the id) so that rows sharing the other
   * values still have one order and no row is skipped or repeated. Keys must be NOT NULL.
   */
  keys: SortKey<Row>[];
  page: PageInput;
  /** Runs the query with the keyset condition, order and limit to apply. */
  fetch: (q: { where: SQL | undefined; orderBy: SQL[]; limit: number }) => Promise<Row[]>;
}

/**
 * Rows strictly after `after` in the keys' order. When every key sorts the same way this is a
 * row comparison, `(k1, k2) < (v1, v2)`, which PostgreSQL answers with an index range scan.
 * Mixed directions need the expanded form, the disjunction over i of (k1 = v1 and ... and
 * ki beyond vi); the leading key's inclusive bound is added so the index still gives a range.
 */
function afterCondition<Row>(keys: SortKey<Row>[], after: CursorValue[]): SQL | undefined {
  const params = keys.map((k, i) =>
    k.column instanceof Column ? sql.param(after[i], k.column) : sql.param(after[i]),
  );
  const [first] = keys;
  if (!first) return undefined;
  if (keys.every((k) => k.direction === first.direction)) {
    const columns = sql.join(
      keys.map((k) => sql`${k.column}`),
      sql`, `,
    );
    const values = sql.join(params, sql`, `);
    return first.direction === 'asc'
      ? sql`(${columns}) > (${values})`
      : sql`(${columns}) < (${values})`;
  }
  const beyond = (i: number, orEqual: boolean) => {
    const key = keys[i] as SortKey<Row>;
    const op = (key.direction === 'asc' ? '>' : '<') + (orEqual ? '=' : '');
    return sql`${key.column} ${sql.raw(op)} ${params[i]}`;
  };
  const branches = keys.map((_, i) =>
    and(...keys.slice(0, i).map((k, j) => sql`${k.column} = ${params[j]}`), beyond(i, false)),
  );
  const bound = beyond(0, true);
  return and(bound, or(...branches));
}

/**
 * One page of `options.fetch` in the keys' order, after the cursor's row, with the next page's
 * cursor (signed with CURSOR_SECRET) when there is one.
 */
export async function keysetPage<Row>(
  ctx: { config: Pick<Config, 'cursorSecret'> },
  options: KeysetOptions<Row>,
): Promise<Page<Row>> {
  const { keys: sortKeys, page, scope } = options;
  const secret = ctx.config.cursorSecret;
  let where: SQL | undefined;
  if (page.cursor) {
    const after = await decodeCursor(secret, scope, page.cursor);
    if (after.length !== sortKeys.length) throw invalidCursor();
    where = afterCondition(sortKeys, after);
  }
  const orderBy = sortKeys.map((k) =>
    k.direction === 'asc' ? sql`${k.column} asc` : sql`${k.column} desc`,
  );
  const rows = await options.fetch({ where, orderBy, limit: page.limit + 1 });
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  const nextCursor =
    rows.length > page.limit && last
      ? await encodeCursor(
          secret,
          scope,
          sortKeys.map((k) => k.value(last)),
        )
      : null;
  return { items, nextCursor };
}

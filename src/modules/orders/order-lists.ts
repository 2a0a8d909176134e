import { and, count, eq, gte, lte, type SQL } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { NotFound } from '../../platform/core/errors.ts';
import { keysetPage, type Page, type PageInput, queryScope } from '../../platform/core/paging.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import type { Executor } from '../../platform/db/client.ts';
import { sellerShop } from '../shop/index.ts';
import { type OrderRow, orderItems, orders } from './tables.ts';
import { type OrderView, orderView, orderViews } from './views.ts';
import type { OrderStatus } from './vocabulary.ts';

/** Who sees which orders: buyers their own, sellers their shop's, admins all. Newest first. */

export interface OrderFilter {
  status?: OrderStatus | undefined;
  /** Placed at or after. */
  from?: Date | undefined;
  /** Placed at or before. */
  to?: Date | undefined;
  shopId?: string | undefined;
  buyerId?: string | undefined;
}

export type OrderListQuery = PageInput & OrderFilter;

function matching(filter: OrderFilter): SQL | undefined {
  return and(
    filter.status ? eq(orders.status, filter.status) : undefined,
    filter.from ? gte(orders.createdAt, filter.from) : undefined,
    filter.to ? lte(orders.createdAt, filter.to) : undefined,
    filter.shopId ? eq(orders.shopId, filter.shopId) : undefined,
    filter.buyerId ? eq(orders.buyerId, filter.buyerId) : undefined,
  );
}

async function listOrders(ctx: Ctx, list: string, query: OrderListQuery): Promise<Page<OrderView>> {
  const { limit, cursor, ...filter } = query;
  const found = await keysetPage<OrderRow>(ctx, {
    // The cursor carries the filter it was issued for: the next page is of the same list.
    scope: await queryScope(list, query),
    keys: [
      { column: orders.createdAt, direction: 'desc', value: (r) => r.createdAt },
      { column: orders.id, direction: 'desc', value: (r) => r.id },
    ],
    page: { limit, cursor },
    fetch: ({ where, orderBy, limit: rows }) =>
      ctx.db
        .select()
        .from(orders)
        .where(and(matching(filter), where))
        .orderBy(...orderBy)
        .limit(rows),
  });
  return {
    items: await orderViews(ctx.db, ctx.storage, found.items),
    nextCursor: found.nextCursor,
  };
}

async function orderWhere(ctx: Ctx, id: string, owned: SQL): Promise<OrderView> {
  const [row] = await ctx.db
    .select()
    .from(orders)
    .where(and(eq(orders.id, id), owned));
  if (!row) throw new NotFound('order');
  return orderView(ctx.db, ctx.storage, row);
}

/** The caller's own orders. */
export function buyerOrders(
  ctx: Ctx,
  query: PageInput & Pick<OrderFilter, 'status' | 'from' | 'to'>,
): Promise<Page<OrderView>> {
  const buyerId = requireActor(ctx).userId;
  return listOrders(ctx, 'orders:buyer', { ...query, buyerId });
}

/** One of the caller's orders with its history; another buyer's is not found. */
export function buyerOrder(ctx: Ctx, id: string): Promise<OrderView> {
  return orderWhere(ctx, id, eq(orders.buyerId, requireActor(ctx).userId));
}

/** The orders of the caller's shop. */
export async function shopOrders(
  ctx: Ctx,
  query: PageInput & Pick<OrderFilter, 'status' | 'from' | 'to'>,
): Promise<Page<OrderView>> {
  const shop = await sellerShop(ctx);
  return listOrders(ctx, 'orders:shop', { ...query, shopId: shop.id });
}

/** One order of the caller's shop; another shop's is not found. */
export async function shopOrder(ctx: Ctx, id: string): Promise<OrderView> {
  const shop = await sellerShop(ctx);
  return orderWhere(ctx, id, eq(orders.shopId, shop.id));
}

/** Every order, for admins, with how many match the filter. */
export async function allOrders(
  ctx: Ctx,
  query: OrderListQuery,
): Promise<Page<OrderView> & { total: number }> {
  const { limit: _limit, cursor: _cursor, ...filter } = query;
  const [page, [counted]] = await Promise.all([
    listOrders(ctx, 'orders:admin', query),
    ctx.db.select({ n: count() }).from(orders).where(matching(filter)),
  ]);
  return { ...page, total: counted?.n ?? 0 };
}

/**
 * An order item with what a review of it needs: its product, and its order's shop, buyer and
 * status. Undefined when there is no such item.
 */
export async function orderItemOf(db: Executor, id: string) {
  const [item] = await db
    .select({
      productId: orderItems.productId,
      shopId: orders.shopId,
      buyerId: orders.buyerId,
      status: orders.status,
      subtotal: orders.subtotal,
      discount: orders.discount,
    })
    .from(orderItems)
    .innerJoin(orders, eq(orders.id, orderItems.orderId))
    .where(eq(orderItems.id, id));
  return item;
}

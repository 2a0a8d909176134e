import { and, count, eq, isNotNull, isNull, type SQL } from 'drizzle-orm';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict, NotFound } from '../../platform/core/errors.ts';
import { keysetPage, type Page, type PageInput, queryScope } from '../../platform/core/paging.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { productDisabled, productEnabled } from './events.ts';
import { products } from './tables.ts';
import {
  type Produced,
  type ProductSummaryView,
  type ProductView,
  productColumns,
  productSummaries,
  productView,
} from './views.ts';
import type { ProductStatus } from './vocabulary.ts';

/** Admins' view of every product, whatever its status, and their taking one off sale. */

export interface AdminProductFilters {
  status?: ProductStatus | undefined;
  shopId?: string | undefined;
  disabled?: boolean | undefined;
}

export type AdminProductView = ProductSummaryView & {
  disabled: { at: string; reason: string | null } | null;
  createdAt: string;
};

const disabledOf = (row: Produced) =>
  row.disabledAt ? { at: row.disabledAt.toISOString(), reason: row.disabledReason } : null;

function filterConditions(filters: AdminProductFilters): SQL | undefined {
  return and(
    filters.status === undefined ? undefined : eq(products.status, filters.status),
    filters.shopId === undefined ? undefined : eq(products.shopId, filters.shopId),
    filters.disabled === undefined
      ? undefined
      : filters.disabled
        ? isNotNull(products.disabledAt)
        : isNull(products.disabledAt),
  );
}

/** Every product matching the filters, newest created first, with how many match in all. */
export async function adminProducts(
  ctx: Ctx,
  filters: AdminProductFilters,
  page: PageInput,
): Promise<Page<AdminProductView> & { total: number }> {
  const where = filterConditions(filters);
  const [result, [counted]] = await Promise.all([
    keysetPage<Produced>(ctx, {
      scope: await queryScope('admin-products', { ...page, ...filters }),
      keys: [
        { column: products.createdAt, direction: 'desc', value: (r) => r.createdAt },
        { column: products.id, direction: 'desc', value: (r) => r.id },
      ],
      page,
      fetch: (q) =>
        ctx.db
          .select(productColumns)
          .from(products)
          .where(and(where, q.where))
          .orderBy(...q.orderBy)
          .limit(q.limit),
    }),
    ctx.db.select({ n: count() }).from(products).where(where),
  ]);
  const summaries = await productSummaries(ctx.db, ctx.storage, result.items);
  return {
    items: summaries.map((summary, i) => {
      const row = result.items[i] as Produced;
      return { ...summary, disabled: disabledOf(row), createdAt: row.createdAt.toISOString() };
    }),
    nextCursor: result.nextCursor,
    total: counted?.n ?? 0,
  };
}

/** The product locked for an admin's decision, so two decisions on it cannot both apply. */
async function lockedProduct(ctx: Ctx, id: string): Promise<Produced> {
  const [row] = await ctx.db
    .select(productColumns)
    .from(products)
    .where(eq(products.id, id))
    .for('update');
  if (!row) throw new NotFound('product');
  return row;
}

/**
 * Takes a product off sale whatever its status; the seller is told why (product.disabled).
 * The seller's own status stays as it was, so enabling puts back exactly what was there.
 */
export function disableProduct(ctx: Ctx, id: string, reason: string): Promise<ProductView> {
  return withTransaction(ctx, async (tx) => {
    const row = await lockedProduct(tx, id);
    if (row.disabledAt) {
      throw new Conflict('already-disabled', 'The product is already disabled.');
    }
    const [updated] = await tx.db
      .update(products)
      .set({ disabledAt: new Date(), disabledReason: reason })
      .where(eq(products.id, id))
      .returning(productColumns);
    if (!updated) throw new Error(`product ${id} vanished while locked`);
    const by = requireActor(tx).userId;
    await publish(tx, productDisabled, {
      aggregateId: id,
      payload: { productId: id, shopId: row.shopId, reason, by },
    });
    await audit(tx, {
      action: 'product.disabled',
      resource: { type: 'product', id },
      before: { disabled: null, visible: row.visible },
      after: { disabled: disabledOf(updated), visible: updated.visible },
      metadata: { shopId: row.shopId },
    });
    return productView(tx.db, tx.storage, updated);
  });
}

/** Lifts an admin's disabling: the product is on sale again if its status and shop allow. */
export function enableProduct(ctx: Ctx, id: string, reason: string): Promise<ProductView> {
  return withTransaction(ctx, async (tx) => {
    const row = await lockedProduct(tx, id);
    if (!row.disabledAt) throw new Conflict('not-disabled', 'The product is not disabled.');
    const [updated] = await tx.db
      .update(products)
      .set({ disabledAt: null, disabledReason: null })
      .where(eq(products.id, id))
      .returning(productColumns);
    if (!updated) throw new Error(`product ${id} vanished while locked`);
    const by = requireActor(tx).userId;
    await publish(tx, productEnabled, {
      aggregateId: id,
      payload: { productId: id, shopId: row.shopId, reason, by },
    });
    await audit(tx, {
      action: 'product.enabled',
      resource: { type: 'product', id },
      before: { disabled: disabledOf(row), visible: row.visible },
      after: { disabled: null, visible: updated.visible, reason },
      metadata: { shopId: row.shopId },
    });
    return productView(tx.db, tx.storage, updated);
  });
}

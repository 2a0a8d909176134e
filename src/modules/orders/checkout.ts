import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { requireActor } from '../../platform/http/auth.ts';
import type { Ctx } from '../../platform/http/context.ts';
import { BadRequest, Conflict, type FieldError, Invalid } from '../../platform/http/errors.ts';
import { idempotent, type Stored } from '../../platform/http/idempotency.ts';
import { addressOf } from '../identity/index.ts';
import { type SellableVariant, sellableVariants, takeStock } from '../shop/index.ts';
import { orderPlaced } from './events.ts';
import { redeemVoucher } from './redemptions.ts';
import {
  type AddressSnapshot,
  cartItems,
  checkouts,
  type OrderRow,
  orderHistory,
  orderItems,
  orders,
} from './tables.ts';
import { type OrderView, orderViews } from './views.ts';
import type { OrderStatus, PaymentMethod } from './vocabulary.ts';

export interface CheckoutInput {
  addressId: string;
  paymentMethod: PaymentMethod;
  /** A voucher code per shop id. */
  vouchers?: Record<string, string> | undefined;
  /** Bought instead of the cart when given. */
  items?: { variantId: string; quantity: number }[] | undefined;
}

export interface CheckoutResult {
  checkoutId: string;
  orders: OrderView[];
}

/**
 * Where a payment method starts an order: cash on delivery is placed at once; an online method
 * will start at `pending_payment`, holding its stock for `paymentHoldMinutes` until paid.
 */
const START: Record<PaymentMethod, { status: OrderStatus; holdsStock: boolean }> = {
  cod: { status: 'placed', holdsStock: false },
};

/** A line to buy, named as the client will recognise it in a refusal. */
interface Line {
  path: string;
  variantId: string;
  quantity: number;
  /** The cart line it comes from, when buying the cart. */
  cartItemId: string | null;
}

/** The explicit items, a variant listed twice merged into its first mention. */
function explicitLines(items: NonNullable<CheckoutInput['items']>, maxQuantity: number): Line[] {
  const lines = new Map<string, Line>();
  items.forEach((item, index) => {
    const line = lines.get(item.variantId);
    if (line) line.quantity += item.quantity;
    else {
      lines.set(item.variantId, {
        path: `body.items.${index}`,
        variantId: item.variantId,
        quantity: item.quantity,
        cartItemId: null,
      });
    }
  });
  const over = [...lines.values()].filter((line) => line.quantity > maxQuantity);
  if (over.length > 0) {
    throw new BadRequest(
      'validation-failed',
      `An order holds at most ${maxQuantity} of one variant.`,
      {
        errors: over.map((line) => ({
          path: `${line.path}.quantity`,
          message: `at most ${maxQuantity} (with its repeats)`,
        })),
      },
    );
  }
  return [...lines.values()];
}

/** The buyer's cart lines, locked: a second checkout of the same cart waits, then finds it bought. */
async function cartLines(tx: { db: Tx }, userId: string): Promise<Line[]> {
  const rows = await tx.db
    .select({ id: cartItems.id, variantId: cartItems.variantId, quantity: cartItems.quantity })
    .from(cartItems)
    .where(eq(cartItems.userId, userId))
    .orderBy(asc(cartItems.createdAt), asc(cartItems.id))
    .for('update');
  return rows.map((row) => ({
    path: `cart.${row.variantId}`,
    variantId: row.variantId,
    quantity: row.quantity,
    cartItemId: row.id,
  }));
}

function unavailable(errors: FieldError[]): Conflict {
  return new Conflict(
    'checkout-unavailable',
    `${errors.length} line${errors.length === 1 ? '' : 's'} cannot be bought now; nothing was ordered.`,
    { errors },
  );
}

/** Every line that cannot be bought as asked, with why. */
function problemsOf(lines: readonly Line[], sellable: Map<string, SellableVariant>): FieldError[] {
  return lines.flatMap((line) => {
    const found = sellable.get(line.variantId);
    if (!found) return [{ path: line.path, message: 'not-found' }];
    if (!found.product.visible) return [{ path: line.path, message: 'not-on-sale' }];
    if (found.variant.stock < line.quantity) {
      return [{ path: line.path, message: `out-of-stock: ${found.variant.stock} available` }];
    }
    return [];
  });
}

const snapshotOf = (address: AddressSnapshot): AddressSnapshot => ({
  label: address.label,
  recipient: address.recipient,
  phone: address.phone,
  line1: address.line1,
  line2: address.line2,
  city: address.city,
  region: address.region,
  postalCode: address.postalCode,
  countryCode: address.countryCode,
  lat: address.lat,
  lng: address.lng,
});

/**
 * The checkout itself, in one transaction: everything is checked before anything is written,
 * the stock of every line is taken in one call (variants locked in id order, so concurrent
 * checkouts queue instead of deadlocking), and a short line rolls everything back.
 */
async function placeOrders(
  ctx: Ctx,
  userId: string,
  input: CheckoutInput,
  now: Date,
): Promise<CheckoutResult> {
  const explicit = input.items ? explicitLines(input.items, ctx.config.orders.maxQuantity) : null;
  return withTransaction(ctx, async (tx) => {
    const address = await addressOf(tx.db, userId, input.addressId);
    if (!address) {
      throw new Invalid('unknown-address', 'The shipping address is not one of yours.', {
        errors: [{ path: 'body.addressId', message: 'not one of your addresses' }],
      });
    }
    const fromCart = explicit === null;
    const lines = explicit ?? (await cartLines(tx, userId));
    if (lines.length === 0) {
      throw new Invalid(
        'empty-checkout',
        fromCart ? 'Your cart is empty.' : 'Nothing to buy: `items` is empty.',
      );
    }
    const sellable = await sellableVariants(
      tx.db,
      lines.map((line) => line.variantId),
    );
    const byShop = new Map<string, { variant: SellableVariant; line: Line }[]>();
    for (const line of lines) {
      const variant = sellable.get(line.variantId);
      if (!variant) continue;
      const group = byShop.get(variant.shop.id) ?? [];
      group.push({ variant, line });
      byShop.set(variant.shop.id, group);
    }
    const strayVouchers = Object.keys(input.vouchers ?? {}).filter((shopId) => !byShop.has(shopId));
    if (strayVouchers.length > 0) {
      throw new Invalid(
        'voucher-shop-not-in-checkout',
        'A voucher is for a shop you are not buying from.',
        {
          errors: strayVouchers.map((shopId) => ({
            path: `body.vouchers.${shopId}`,
            message: 'no line of this checkout is from this shop',
          })),
        },
      );
    }
    const problems = problemsOf(lines, sellable);
    if (problems.length > 0) throw unavailable(problems);

    const short = await takeStock(tx.db, lines);
    if (short.length > 0) {
      const available = new Map(short.map((s) => [s.variantId, s.available]));
      throw unavailable(
        lines.flatMap((line) => {
          const left = available.get(line.variantId);
          return left === undefined
            ? []
            : [{ path: line.path, message: `out-of-stock: ${left} available` }];
        }),
      );
    }

    const [checkout] = await tx.db
      .insert(checkouts)
      .values({ buyerId: userId, paymentMethod: input.paymentMethod })
      .returning({ id: checkouts.id });
    if (!checkout) throw new Error('checkout insert returned nothing');
    const start = START[input.paymentMethod];
    const holdExpiresAt = start.holdsStock
      ? new Date(now.getTime() + ctx.config.orders.paymentHoldMinutes * 60_000)
      : null;
    const shippingAddress = snapshotOf(address);

    const placed: OrderRow[] = [];
    for (const [shopId, group] of byShop) {
      const shop = group[0]?.variant.shop;
      if (!shop) continue;
      const subtotal = group.reduce(
        (sum, { variant, line }) => sum + variant.variant.priceAmount * line.quantity,
        0,
      );
      const shipping =
        shop.shippingFreeOver !== null && subtotal >= shop.shippingFreeOver
          ? 0
          : shop.shippingFlatFee;
      const [order] = await tx.db
        .insert(orders)
        .values({
          checkoutId: checkout.id,
          shopId,
          buyerId: userId,
          status: start.status,
          paymentMethod: input.paymentMethod,
          currency: shop.currency,
          subtotal,
          shipping,
          total: subtotal + shipping,
          shippingAddress,
          holdExpiresAt,
        })
        .returning();
      if (!order) throw new Error('order insert returned nothing');
      let row = order;
      const code = input.vouchers?.[shopId];
      // The voucher's use is recorded against the order, so the order exists first.
      if (code !== undefined) {
        const redeemed = await redeemVoucher(tx, {
          code,
          shopId,
          userId,
          orderId: order.id,
          subtotal,
          currency: shop.currency,
          now,
        });
        const [discounted] = await tx.db
          .update(orders)
          .set({
            discount: redeemed.discount,
            total: subtotal + shipping - redeemed.discount,
            voucherId: redeemed.voucherId,
            voucherCode: redeemed.code,
          })
          .where(eq(orders.id, order.id))
          .returning();
        if (!discounted) throw new Error('order update returned nothing');
        row = discounted;
      }
      await tx.db.insert(orderItems).values(
        group.map(({ variant, line }) => ({
          orderId: order.id,
          productId: variant.product.id,
          variantId: variant.variant.id,
          title: variant.product.title,
          sku: variant.variant.sku,
          options: variant.variant.options,
          unitPrice: variant.variant.priceAmount,
          quantity: line.quantity,
          imageKey: variant.imageKey,
        })),
      );
      await tx.db.insert(orderHistory).values({
        orderId: order.id,
        fromStatus: null,
        toStatus: start.status,
        actorId: userId,
        actorRole: 'buyer',
      });
      await publish(tx, orderPlaced, {
        aggregateId: order.id,
        payload: {
          orderId: order.id,
          checkoutId: checkout.id,
          shopId,
          buyerId: userId,
          status: row.status,
          total: row.total,
        },
      });
      placed.push(row);
    }

    const cartItemIds = lines.flatMap((line) => (line.cartItemId ? [line.cartItemId] : []));
    await tx.db.delete(cartItems).where(
      fromCart
        ? inArray(cartItems.id, cartItemIds)
        : and(
            eq(cartItems.userId, userId),
            inArray(
              cartItems.variantId,
              lines.map((line) => line.variantId),
            ),
          ),
    );
    return { checkoutId: checkout.id, orders: await orderViews(tx.db, tx.storage, placed) };
  });
}

/**
 * `POST /orders`: the caller's cart (or the items given) bought from each shop as one order,
 * all under one checkout. With an `Idempotency-Key`, a retry answers the first result.
 */
export async function checkout(
  ctx: Ctx,
  input: CheckoutInput,
  idempotencyKey: string | undefined,
  now: Date,
): Promise<Stored<CheckoutResult>> {
  const { userId } = requireActor(ctx);
  return idempotent(
    ctx,
    { scope: `orders:checkout:${userId}`, key: idempotencyKey, body: input, status: 201 },
    (tx) => placeOrders(tx, userId, input, now),
  );
}

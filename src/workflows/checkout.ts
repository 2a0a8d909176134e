import { addressOf, hasVerifiedPhone } from '../modules/identity/index.ts';
import {
  type AddressSnapshot,
  announceOrder,
  applyDiscount,
  claimRelease,
  createOrder,
  lockCartLines,
  type OrderRow,
  type OrderView,
  openCheckout,
  openCodQuantities,
  orderLines,
  orderViews,
  type PaymentMethod,
  removeFromCart,
} from '../modules/orders/index.ts';
import {
  isBuyable,
  isOwnShop,
  returnStock,
  type SellableVariant,
  type StockLine,
  sellableVariants,
  shippingFor,
  takeStock,
} from '../modules/shop/index.ts';
import { type Redeemed, redeemVoucher, releaseVoucher } from '../modules/vouchers/index.ts';
import type { Ctx } from '../platform/core/context.ts';
import { BadInput, Conflict, type FieldError, Invalid } from '../platform/core/errors.ts';
import { idempotent, type Stored } from '../platform/core/idempotency.ts';
import { requireActor } from '../platform/core/permissions.ts';
import { withTransaction } from '../platform/db/transaction.ts';
import type { Step } from './step.ts';

/**
 * Checkout: the caller's cart (or the items given) bought from each shop as one order, all
 * under one checkout, in one transaction. Everything is checked before anything is written,
 * and a step that fails rolls every step back. The steps that reach other modules (stock,
 * voucher use) sit beside their undo, which `undoCheckout` runs when an order is cancelled.
 */

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

/** A line to buy, named as the client will recognise it in a refusal. */
interface Line extends StockLine {
  /** `items.<n>` of the input, or `cart.<variantId>` when buying the cart. */
  path: string;
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
        path: `items.${index}`,
        variantId: item.variantId,
        quantity: item.quantity,
        cartItemId: null,
      });
    }
  });
  const over = [...lines.values()].filter((line) => line.quantity > maxQuantity);
  if (over.length > 0) {
    throw new BadInput(
      'validation-failed',
      `An order holds at most ${maxQuantity} of one variant.`,
      {
        fields: over.map((line) => ({
          path: `${line.path}.quantity`,
          message: `at most ${maxQuantity} (with its repeats)`,
        })),
      },
    );
  }
  return [...lines.values()];
}

async function cartLines(tx: Ctx, userId: string): Promise<Line[]> {
  return (await lockCartLines(tx, userId)).map((row) => ({
    path: `cart.${row.variantId}`,
    variantId: row.variantId,
    quantity: row.quantity,
    cartItemId: row.id,
  }));
}

function unavailable(fields: FieldError[]): Conflict {
  return new Conflict(
    'checkout-unavailable',
    `${fields.length} line${fields.length === 1 ? '' : 's'} cannot be bought now; nothing was ordered.`,
    { fields },
  );
}

/** Every line `userId` cannot buy as asked, with why. */
function problemsOf(
  lines: readonly Line[],
  sellable: Map<string, SellableVariant>,
  userId: string,
): FieldError[] {
  return lines.flatMap((line) => {
    const found = sellable.get(line.variantId);
    if (!found) return [{ path: line.path, message: 'not-found' }];
    if (!isBuyable(found)) return [{ path: line.path, message: 'not-on-sale' }];
    if (isOwnShop(found, userId)) return [{ path: line.path, message: 'own-shop' }];
    if (found.variant.stock < line.quantity) {
      return [{ path: line.path, message: `out-of-stock: ${found.variant.stock} available` }];
    }
    return [];
  });
}

/**
 * Cash on delivery asks nothing up front, so it is bounded: the buyer has proved a phone the
 * courier can call, and holds at most ORDER_MAX_QUANTITY of a variant across their open COD
 * orders. Run under the variants' locks (after reserveStock), so two checkouts of one buyer
 * queue and the second counts the first. It only reads: nothing to undo.
 */
async function checkCashOnDelivery(tx: Ctx, userId: string, lines: readonly Line[]) {
  if (!(await hasVerifiedPhone(tx.db, userId))) {
    throw new Invalid(
      'phone-unverified',
      'Cash on delivery needs a verified phone number: verify one in your profile.',
      { fields: [{ path: 'paymentMethod', message: 'needs a verified phone number' }] },
    );
  }
  const limit = tx.config.orders.maxQuantity;
  const open = await openCodQuantities(
    tx,
    userId,
    lines.map((line) => line.variantId),
  );
  const over = lines.flatMap((line) => {
    const held = open.get(line.variantId) ?? 0;
    return held + line.quantity > limit
      ? [{ path: line.path, message: `cod-limit: ${held} held in open orders, ${limit} at most` }]
      : [];
  });
  if (over.length > 0) {
    throw new Conflict(
      'cod-limit',
      `Open cash-on-delivery orders hold at most ${limit} of one variant; pay online or wait for delivery.`,
      { fields: over },
    );
  }
}

/**
 * The shipping address as it is now: the order keeps it, whatever the buyer changes later.
 * It only reads, so it has nothing to undo.
 */
async function snapshotAddress(tx: Ctx, userId: string, addressId: string) {
  const address = await addressOf(tx.db, userId, addressId);
  if (!address) {
    throw new Invalid('unknown-address', 'The shipping address is not one of yours.', {
      fields: [{ path: 'addressId', message: 'not one of your addresses' }],
    });
  }
  const snapshot: AddressSnapshot = {
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
  };
  return snapshot;
}

/**
 * The stock of every line, or none: the variants are locked in id order, so concurrent
 * checkouts queue instead of deadlocking. Undone by giving it back.
 */
export const reserveStock: Step<readonly Line[], StockLine[]> = {
  async run(tx, lines) {
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
    return lines.map(({ variantId, quantity }) => ({ variantId, quantity }));
  },
  undo: (tx, taken) => returnStock(tx.db, taken),
};

/**
 * A shop's voucher on its order, the use counted under the voucher's lock; the order exists
 * first, as the use is recorded against it. Undone by giving the use back.
 */
export const useVoucher: Step<
  { order: OrderRow; code: string; now: Date },
  Redeemed & { orderId: string }
> = {
  async run(tx, { order, code, now }) {
    const redeemed = await redeemVoucher(tx, {
      code,
      shopId: order.shopId,
      userId: order.buyerId,
      orderId: order.id,
      subtotal: order.subtotal,
      currency: order.currency,
      now,
    });
    return { ...redeemed, orderId: order.id };
  },
  undo: (tx, used) => releaseVoucher(tx, used.orderId),
};

/**
 * Undoes a cancelled order's checkout, once: its stock and its voucher use go back. A second
 * cancellation, or a retry of one, finds the release claimed and gives back nothing.
 */
export async function undoCheckout(tx: Ctx, order: OrderRow, now: Date): Promise<void> {
  if (!(await claimRelease(tx, order.id, now))) return;
  const lines = await orderLines(tx, order.id);
  await reserveStock.undo(
    tx,
    lines.flatMap((line) =>
      line.variantId ? [{ variantId: line.variantId, quantity: line.quantity }] : [],
    ),
  );
  if (order.voucherId) {
    const { voucherId, voucherCode, discount } = order;
    await useVoucher.undo(tx, { voucherId, code: voucherCode ?? '', discount, orderId: order.id });
  }
}

type Shop = SellableVariant['shop'];

interface ShopPart {
  shop: Shop;
  group: { variant: SellableVariant; line: Line }[];
}

/** One shop's order: its rows, then its voucher, then `order.placed`. */
async function placeShopOrder(
  tx: Ctx,
  { shop, group }: ShopPart,
  placing: { checkoutId: string; userId: string; input: CheckoutInput; address: AddressSnapshot },
  now: Date,
): Promise<OrderRow> {
  const subtotal = group.reduce(
    (sum, { variant, line }) => sum + variant.variant.priceAmount * line.quantity,
    0,
  );
  let order = await createOrder(tx, {
    checkoutId: placing.checkoutId,
    shopId: shop.id,
    buyerId: placing.userId,
    paymentMethod: placing.input.paymentMethod,
    currency: shop.currency,
    subtotal,
    shipping: shippingFor(shop, subtotal),
    shippingAddress: placing.address,
    items: group.map(({ variant: { variant, product, imageKey }, line }) => ({
      productId: product.id,
      variantId: variant.id,
      title: product.title,
      sku: variant.sku,
      options: variant.options,
      unitPrice: variant.priceAmount,
      quantity: line.quantity,
      imageKey,
    })),
    now,
  });
  const code = placing.input.vouchers?.[shop.id];
  if (code !== undefined) {
    order = await applyDiscount(tx, order, await useVoucher.run(tx, { order, code, now }));
  }
  await announceOrder(tx, order);
  return order;
}

async function placeOrders(
  ctx: Ctx,
  userId: string,
  input: CheckoutInput,
  now: Date,
): Promise<CheckoutResult> {
  const explicit = input.items ? explicitLines(input.items, ctx.config.orders.maxQuantity) : null;
  return withTransaction(ctx, async (tx) => {
    const address = await snapshotAddress(tx, userId, input.addressId);
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
    const byShop = new Map<string, ShopPart>();
    for (const line of lines) {
      const variant = sellable.get(line.variantId);
      if (!variant) continue;
      const part = byShop.get(variant.shop.id) ?? { shop: variant.shop, group: [] };
      part.group.push({ variant, line });
      byShop.set(variant.shop.id, part);
    }
    const strayVouchers = Object.keys(input.vouchers ?? {}).filter((shopId) => !byShop.has(shopId));
    if (strayVouchers.length > 0) {
      throw new Invalid(
        'voucher-shop-not-in-checkout',
        'A voucher is for a shop you are not buying from.',
        {
          fields: strayVouchers.map((shopId) => ({
            path: `vouchers.${shopId}`,
            message: 'no line of this checkout is from this shop',
          })),
        },
      );
    }
    const problems = problemsOf(lines, sellable, userId);
    if (problems.length > 0) throw unavailable(problems);

    await reserveStock.run(tx, lines);
    if (input.paymentMethod === 'cod') await checkCashOnDelivery(tx, userId, lines);
    const checkoutId = await openCheckout(tx, userId, input.paymentMethod);
    const placing = { checkoutId, userId, input, address };
    const placed: OrderRow[] = [];
    for (const part of byShop.values()) placed.push(await placeShopOrder(tx, part, placing, now));

    await removeFromCart(
      tx,
      userId,
      fromCart
        ? { cartItemIds: lines.flatMap((line) => (line.cartItemId ? [line.cartItemId] : [])) }
        : { variantIds: lines.map((line) => line.variantId) },
    );
    return { checkoutId, orders: await orderViews(tx.db, tx.storage, placed) };
  });
}

/**
 * `POST /orders`: the caller's cart (or the items given) bought from each shop as one order,
 * all under one checkout. With an idempotency key, a retry answers the first result.
 */
export async function checkout(
  ctx: Ctx,
  input: CheckoutInput,
  idempotencyKey: string | undefined,
  now: Date,
): Promise<Stored<CheckoutResult>> {
  const { userId } = requireActor(ctx);
  return idempotent(ctx, { scope: `orders:checkout:${userId}`, key: idempotencyKey, input }, (tx) =>
    placeOrders(tx, userId, input, now),
  );
}

import { eq } from 'drizzle-orm';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { ok, type TestApp } from '../../../test/harness.ts';
import type { CheckoutInput, CheckoutResult } from '../../workflows/checkout.ts';
import type { AddressView } from '../identity/index.ts';
import {
  createCategory,
  createProduct,
  type MadeProduct,
  type VariantOverrides,
} from '../shop/shop.test-support.ts';
import { type ProductRow, productVariants, type ShopRow, type VariantRow } from '../shop/tables.ts';
import { cartItems } from './tables.ts';

/**
 * Buyers, stocked products, carts and checkouts for the orders module's tests. Checkouts go
 * through HTTP, as a client places them; the rest is set up directly.
 */

export interface Buyer extends SignedIn {
  /** A saved shipping address of theirs. */
  address: AddressView;
}

let phones = 0;
/** A phone number no other test user of this file has. */
export const uniquePhone = () =>
  `+2519${String(process.pid % 100).padStart(2, '0')}${String(++phones).padStart(6, '0')}`;

/** `who`, with a shipping address saved through the API: what checkout needs of a buyer. */
export async function withAddress(t: TestApp, who: SignedIn): Promise<Buyer> {
  const address = await ok<AddressView>(
    await t.json(
      'POST',
      '/api/v1/profile/addresses',
      {
        label: 'Home',
        recipient: 'Abebe Kebede',
        phone: '+251911234567',
        line1: 'Bole Road, House 12',
        city: 'Addis Ababa',
        countryCode: 'ET',
      },
      who.headers,
    ),
    201,
  );
  return { ...who, address };
}

/** A signed-in buyer with a verified phone (cash on delivery needs one) and one saved address. */
export async function createBuyer(t: TestApp): Promise<Buyer> {
  return withAddress(t, await signedInUser(t, { phone: uniquePhone() }));
}

/** An active product of `shop`, in a new category; one variant of price 10000 and stock 5 by default. */
export async function stockedProduct(
  t: TestApp,
  shop: ShopRow,
  variants: VariantOverrides[] = [{}],
): Promise<MadeProduct> {
  const category = await createCategory(t);
  return createProduct(t, shop, { categoryId: category.id, variants });
}

/** An active product of `shop` with one variant: price 10000 and stock 5 unless told otherwise. */
export async function stockedVariant(
  t: TestApp,
  shop: ShopRow,
  overrides: VariantOverrides = {},
): Promise<{ product: ProductRow; variant: VariantRow }> {
  const { product, variants } = await stockedProduct(t, shop, [overrides]);
  const [variant] = variants;
  if (!variant) throw new Error('stockedVariant made no variant');
  return { product, variant };
}

/** Puts `quantity` of a variant in the user's saved cart, at its current price. */
export async function putInCart(
  t: TestApp,
  userId: string,
  variantId: string,
  quantity: number,
): Promise<void> {
  const db = t.database.db;
  const [variant] = await db
    .select({ price: productVariants.priceAmount })
    .from(productVariants)
    .where(eq(productVariants.id, variantId));
  await db
    .insert(cartItems)
    .values({ userId, variantId, quantity, priceAtAdd: variant?.price ?? 1 });
}

export type CheckoutBody = Omit<CheckoutInput, 'addressId' | 'paymentMethod'> &
  Partial<Pick<CheckoutInput, 'addressId' | 'paymentMethod'>>;

/** POST /orders as `buyer`: to their own address, cash on delivery, unless the body says otherwise. */
export async function placeOrder(
  t: TestApp,
  buyer: Buyer,
  body: CheckoutBody = {},
  headers: Record<string, string> = {},
): Promise<Response> {
  return t.json(
    'POST',
    '/api/v1/orders',
    { addressId: buyer.address.id, paymentMethod: 'cod', ...body },
    { ...buyer.headers, ...headers },
  );
}

/** A checkout that must succeed: its 201 body. */
export async function checkoutOk(
  t: TestApp,
  buyer: Buyer,
  body: CheckoutBody = {},
  headers: Record<string, string> = {},
): Promise<CheckoutResult> {
  return ok<CheckoutResult>(await placeOrder(t, buyer, body, headers), 201);
}

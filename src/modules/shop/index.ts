import type { Module } from '../../platform/module.ts';
import { productImageHolder } from './images.ts';
import { shopPermissions } from './permissions.ts';
import { routes } from './routes/index.ts';
import { seedDemoShops } from './seed.ts';

export {
  isBuyable,
  isOwnShop,
  productOnSale,
  recordSales,
  returnStock,
  type SellableVariant,
  type StockLine,
  sellableVariants,
  setProductRating,
  shippingFor,
  takeStock,
} from './commerce.ts';
export { ownsShop, sellerShop } from './shops.ts';

/**
 * The shop marketplace's catalogue: sellers' shops, the category tree, products with variants
 * and images, browse and search. Carts and orders build on it.
 */
export const shopModule: Module = {
  name: 'shop',
  routes,
  permissions: shopPermissions,
  seed: seedDemoShops,
  imageHolders: [productImageHolder],
};

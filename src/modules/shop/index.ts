import { createRouter } from '../../platform/http/router.ts';
import type { Module } from '../../platform/module.ts';
import { registerShopJobs, subscribeShopEvents } from './images.ts';
import { adminProductRoutes } from './routes/admin-products.ts';
import { adminShopRoutes } from './routes/admin-shops.ts';
import { browseRoutes } from './routes/browse.ts';
import { categoryRoutes } from './routes/categories.ts';
import { imageRoutes } from './routes/images.ts';
import { sellerProductRoutes } from './routes/seller-products.ts';
import { shopRoutes } from './routes/shops.ts';
import { seedDemoShops } from './seed.ts';

export {
  productOnSale,
  recordSales,
  returnStock,
  type SellableVariant,
  type StockLine,
  sellableVariants,
  setProductRating,
  takeStock,
} from './commerce.ts';
export { sellerShop } from './shops.ts';

const routes = createRouter();
// Browse first: /products/search must not be read as /products/{id}.
for (const part of [
  browseRoutes,
  shopRoutes,
  categoryRoutes,
  sellerProductRoutes,
  imageRoutes,
  adminShopRoutes,
  adminProductRoutes,
]) {
  routes.route('/', part);
}

/**
 * The shop marketplace's catalogue: sellers' shops, the category tree, products with variants
 * and images, browse and search. Carts and orders build on it.
 */
export const shopModule: Module = {
  name: 'shop',
  routes,
  seed: seedDemoShops,
  subscribe: subscribeShopEvents,
  registerJobs: registerShopJobs,
};

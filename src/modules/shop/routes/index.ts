import { joinRoutes } from '../../../platform/http/router.ts';
import { adminProductRoutes } from './admin-products.ts';
import { adminShopRoutes } from './admin-shops.ts';
import { browseRoutes } from './browse.ts';
import { categoryRoutes } from './categories.ts';
import { imageRoutes } from './images.ts';
import { sellerProductRoutes } from './seller-products.ts';
import { shopRoutes } from './shops.ts';

// Browse first: /products/search must not be read as /products/{id}.
export const routes = joinRoutes(
  browseRoutes,
  shopRoutes,
  categoryRoutes,
  sellerProductRoutes,
  imageRoutes,
  adminShopRoutes,
  adminProductRoutes,
);

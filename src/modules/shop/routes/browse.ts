import { createRoute, z } from '@hono/zod-openapi';
import { pageOf } from '../../../platform/core/paging.ts';
import { problems } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import { findProducts, listVariants, productPage, shopProducts } from '../browse.ts';
import { BrowseQuery, ProductSearchQuery, ShopProductsQuery } from '../browse-query.ts';
import { ProductPage, ProductSummary, Variant } from '../schemas.ts';

/** What anyone shopping calls: browse, search, a product's page and a shop's products. */
export const browseRoutes = createRouter();

const tags = ['Products'];

const IdParams = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const productPageResponse = {
  description: 'A page of product cards',
  content: { 'application/json': { schema: pageOf(ProductSummary, 'ProductSummaryPage') } },
};

const filtersNote =
  'Only products on sale: active, not disabled, of an active shop. An unknown parameter or ' +
  'value is a 400 naming it; an unknown category is a 404. Pages stay stable in every order; a ' +
  'cursor works only with the query and order that issued it.';

browseRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/products',
    tags,
    summary: 'Browse products on sale',
    description: filtersNote,
    request: { query: BrowseQuery },
    responses: { 200: productPageResponse, ...problems(404) },
  }),
  async (c) => c.json(await findProducts(c.get('ctx'), 'products', c.req.valid('query')), 200),
);

// Before /products/{id}, which would otherwise read `search` as an id.
browseRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/products/search',
    tags,
    summary: 'Search products on sale by words',
    description: `The filters of GET /products, with words to match, ranked. ${filtersNote}`,
    request: { query: ProductSearchQuery },
    responses: { 200: productPageResponse, ...problems(404) },
  }),
  async (c) =>
    c.json(await findProducts(c.get('ctx'), 'product-search', c.req.valid('query')), 200),
);

browseRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/products/{id}',
    tags,
    summary: "A product's page",
    description:
      'The product with its variants, images, shop, rating and category trail. A product not ' +
      "on sale is 404, except to its shop's owner and to reviewers, who see it as it is.",
    request: { params: IdParams },
    responses: {
      200: { description: 'The product', content: { 'application/json': { schema: ProductPage } } },
      ...problems(404),
    },
  }),
  async (c) => c.json(await productPage(c.get('ctx'), c.req.valid('param').id), 200),
);

browseRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/products/{id}/variants',
    tags,
    summary: "A product's variants, in order",
    description: 'Seen by whoever may see the product.',
    request: { params: IdParams },
    responses: {
      200: {
        description: 'Its variants with price and stock',
        content: { 'application/json': { schema: z.array(Variant) } },
      },
      ...problems(404),
    },
  }),
  async (c) => c.json(await listVariants(c.get('ctx'), c.req.valid('param').id), 200),
);

browseRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/shops/{id}/products',
    tags,
    summary: "An active shop's products on sale",
    description: `The filters and orders of GET /products within one shop; a shop that does not sell is 404. ${filtersNote}`,
    request: { params: IdParams, query: ShopProductsQuery },
    responses: { 200: productPageResponse, ...problems(404) },
  }),
  async (c) =>
    c.json(await shopProducts(c.get('ctx'), c.req.valid('param').id, c.req.valid('query')), 200),
);

import { createRoute, z } from '@hono/zod-openapi';
import { Currency, Money, QueryFlag } from '../../../platform/core/fields.ts';
import { PageQuery, pageOf } from '../../../platform/core/paging.ts';
import { requirePermission, requireUser } from '../../../platform/http/auth.ts';
import { AUTHENTICATED, jsonBody, problems, signedIn } from '../../../platform/http/openapi.ts';
import { policies, rateLimit } from '../../../platform/http/rate-limit.ts';
import { createRouter } from '../../../platform/http/router.ts';
import {
  PlatformVoucherCreate,
  Voucher,
  VoucherCreate,
  VoucherOffer,
  VoucherUpdate,
} from '../input.ts';
import { availableVouchers, REFUSALS, validateVoucher } from '../rules.ts';
import {
  createPlatformVoucher,
  createShopVoucher,
  deactivatePlatformVoucher,
  deactivateShopVoucher,
  platformVoucher,
  platformVouchers,
  shopVoucher,
  shopVouchers,
  updatePlatformVoucher,
  updateShopVoucher,
} from '../vouchers.ts';

/** Sellers' vouchers for their shop, admins' platform vouchers, and buyers' checks of a code. */
export const voucherRoutes = createRouter();

const RULES =
  'Codes are 3 to 32 letters, digits, dashes or underscores. 422 `invalid-voucher` names each ' +
  'field breaking a rule: `percent` for a percent voucher (with an optional `maxDiscount`), ' +
  '`amount` for a fixed one, money in the voucher’s currency, `endsAt` after `startsAt`. 409 ' +
  '`voucher-code-taken` when another voucher of the same owner has the code, ignoring case.';

const PATCH_RULES =
  `${RULES} 409 \`usage-limit-below-used\` for a \`usageLimit\` below the uses counted so far. ` +
  'Changing `type` drops the other kind’s fields.';

const Params = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const ListQuery = PageQuery.extend({
  active: QueryFlag.optional().openapi({
    description: 'Only the active vouchers, or only the deactivated ones.',
  }),
});

const voucherResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: Voucher } },
});

const VoucherPage = pageOf(Voucher, 'VoucherPage');

/** The five management routes, for a seller's own shop or for the platform. */
interface Managed {
  base: string;
  tags: string[];
  guard: { security: typeof AUTHENTICATED; middleware: ReturnType<typeof requirePermission> };
  whose: string;
}

const sellerSide: Managed = {
  base: '/seller/vouchers',
  tags: ['Seller: vouchers'],
  guard: { security: AUTHENTICATED, middleware: requirePermission('shop.sell') },
  whose: 'the caller’s shop',
};

const adminSide: Managed = {
  base: '/admin/vouchers',
  tags: ['Admin: vouchers'],
  guard: { security: AUTHENTICATED, middleware: requirePermission('vouchers.manage') },
  whose: 'the platform (audited)',
};

voucherRoutes.openapi(
  createRoute({
    method: 'post',
    path: sellerSide.base,
    tags: sellerSide.tags,
    summary: 'Create a voucher for the caller’s shop',
    description: `Its money is in the shop’s currency. ${RULES}`,
    ...sellerSide.guard,
    request: { body: jsonBody(VoucherCreate) },
    responses: { 201: voucherResponse('The voucher'), ...problems(404, 409, 422) },
  }),
  async (c) => c.json(await createShopVoucher(c.get('ctx'), c.req.valid('json')), 201),
);

voucherRoutes.openapi(
  createRoute({
    method: 'post',
    path: adminSide.base,
    tags: adminSide.tags,
    summary: 'Create a platform voucher',
    description: `It applies to any shop’s order in its \`currency\`. Audited. ${RULES}`,
    ...adminSide.guard,
    request: { body: jsonBody(PlatformVoucherCreate) },
    responses: { 201: voucherResponse('The voucher'), ...problems(409, 422) },
  }),
  async (c) => c.json(await createPlatformVoucher(c.get('ctx'), c.req.valid('json')), 201),
);

const services = {
  seller: {
    list: shopVouchers,
    get: shopVoucher,
    update: updateShopVoucher,
    deactivate: deactivateShopVoucher,
  },
  admin: {
    list: platformVouchers,
    get: platformVoucher,
    update: updatePlatformVoucher,
    deactivate: deactivatePlatformVoucher,
  },
};

for (const [side, service] of [
  [sellerSide, services.seller],
  [adminSide, services.admin],
] as const) {
  const { base, tags, guard, whose } = side;

  voucherRoutes.openapi(
    createRoute({
      method: 'get',
      path: base,
      tags,
      summary: `The vouchers of ${whose}, newest first`,
      ...guard,
      request: { query: ListQuery },
      responses: {
        200: {
          description: 'A page of vouchers',
          content: { 'application/json': { schema: VoucherPage } },
        },
        ...problems(404),
      },
    }),
    async (c) => {
      const { active, ...page } = c.req.valid('query');
      return c.json(await service.list(c.get('ctx'), active, page), 200);
    },
  );

  voucherRoutes.openapi(
    createRoute({
      method: 'get',
      path: `${base}/{id}`,
      tags,
      summary: `A voucher of ${whose}`,
      ...guard,
      request: { params: Params },
      responses: { 200: voucherResponse('The voucher'), ...problems(404) },
    }),
    async (c) => c.json(await service.get(c.get('ctx'), c.req.valid('param').id), 200),
  );

  voucherRoutes.openapi(
    createRoute({
      method: 'patch',
      path: `${base}/{id}`,
      tags,
      summary: `Change a voucher of ${whose}`,
      description: `\`active: true\` brings a deactivated voucher back. ${PATCH_RULES}`,
      ...guard,
      request: { params: Params, body: jsonBody(VoucherUpdate) },
      responses: { 200: voucherResponse('The voucher'), ...problems(404, 409, 422) },
    }),
    async (c) =>
      c.json(await service.update(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  voucherRoutes.openapi(
    createRoute({
      method: 'delete',
      path: `${base}/{id}`,
      tags,
      summary: `Deactivate a voucher of ${whose}`,
      description: 'It stays, for the orders that used it; a PATCH with `active: true` revives it.',
      ...guard,
      request: { params: Params },
      responses: { 204: { description: 'Deactivated' }, ...problems(404) },
    }),
    async (c) => {
      await service.deactivate(c.get('ctx'), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
}

const buyerTags = ['Vouchers'];

const Validate = z
  .strictObject({
    code: z.string().trim().min(1).max(64),
    shopId: z.uuid().openapi({ description: 'The shop whose order it would apply to.' }),
    subtotal: Money.openapi({ description: 'That order’s subtotal.' }),
  })
  .openapi('VoucherValidate');

const Validation = z
  .union([
    z.object({ applicable: z.literal(true), discount: Money, voucher: VoucherOffer }),
    z.object({
      applicable: z.literal(false),
      reason: z.enum(REFUSALS),
      message: z.string(),
    }),
  ])
  .openapi('VoucherValidation');

voucherRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/vouchers/validate',
    tags: buyerTags,
    summary: 'Whether a code applies to an order, and its discount',
    description:
      'The shop’s voucher with that code (ignoring case) first, then the platform’s, listed or ' +
      `not. 200 either way; a refusal gives one \`reason\` of: ${REFUSALS.join(', ')}. Another ` +
      'shop’s code is `not-found`, word for word as a code nobody has. The same rules as ' +
      'checkout, which still decides: the voucher may be used up in between. Rate-limited per ' +
      'user and per address (429), so codes cannot be guessed by trying them.',
    security: AUTHENTICATED,
    middleware: [
      requireUser(),
      rateLimit(policies.voucherChecks),
      rateLimit(policies.voucherChecksByAddress),
    ] as const,
    request: { body: jsonBody(Validate) },
    responses: {
      200: { description: 'The verdict', content: { 'application/json': { schema: Validation } } },
    },
  }),
  async (c) => c.json(await validateVoucher(c.get('ctx'), c.req.valid('json')), 200),
);

const AvailableQuery = z.object({
  shopId: z.uuid(),
  subtotal: z.coerce
    .number()
    .int()
    .positive()
    .max(Number.MAX_SAFE_INTEGER)
    .openapi({ description: 'The order’s subtotal, in minor units of `currency`.' }),
  currency: Currency,
});

const Available = z
  .object({
    items: z.array(z.object({ voucher: VoucherOffer, discount: Money })),
  })
  .openapi('AvailableVouchers');

voucherRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/vouchers/available',
    tags: buyerTags,
    summary: 'The vouchers the caller could use on an order, largest discount first',
    description:
      'The shop’s and the platform’s listed vouchers in `currency` that apply now at ' +
      '`subtotal` and that the caller has not used up, each with its discount. Unlisted ' +
      '(`listed: false`) vouchers never appear; they apply when their code is typed.',
    ...signedIn,
    request: { query: AvailableQuery },
    responses: {
      200: { description: 'The vouchers', content: { 'application/json': { schema: Available } } },
    },
  }),
  async (c) => c.json(await availableVouchers(c.get('ctx'), c.req.valid('query')), 200),
);

import { createRoute, z } from '@hono/zod-openapi';
import { text } from '../../../platform/core/fields.ts';
import { requirePermission } from '../../../platform/http/auth.ts';
import { AUTHENTICATED, jsonBody, problems } from '../../../platform/http/openapi.ts';
import { createRouter } from '../../../platform/http/router.ts';
import {
  addCategory,
  type CategoryNodeView,
  categoryDetail,
  categoryTree,
  changeCategory,
  removeCategory,
} from '../categories.ts';
import { CategoryRef } from '../schemas.ts';
import { idOrSlugParam, slugField } from '../slugs.ts';
import { MAX_CATEGORY_DEPTH } from '../vocabulary.ts';

/** The category tree: anyone reads it; admins change it. */
export const categoryRoutes = createRouter();

const tags = ['Categories'];
const adminTags = ['Admin: categories'];

const nodeFields = {
  id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  icon: z.string().nullable().openapi({ description: 'An icon name the clients know.' }),
  position: z.number().int().openapi({ description: 'The order among its siblings, from 0.' }),
};

const CategoryChild = z.object(nodeFields).openapi('CategoryChild');

const CategoryNode: z.ZodType<CategoryNodeView> = z
  .object({
    ...nodeFields,
    get children() {
      return z.array(CategoryNode);
    },
  })
  .openapi('CategoryNode');

const CategoryTree = z
  .object({
    items: z
      .array(CategoryNode)
      .openapi({ description: 'The roots; siblings by position, then name.' }),
  })
  .openapi('CategoryTree');

const Category = z
  .object({
    ...nodeFields,
    parentId: z.uuid().nullable(),
    breadcrumbs: z.array(CategoryRef).openapi({ description: 'From the root down to it.' }),
    children: z.array(CategoryChild).openapi({ description: 'Its direct subcategories.' }),
  })
  .openapi('Category');

const categoryResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: Category } },
});

const Slug = slugField(1).openapi({ example: 'phones-tablets' });

const Icon = z
  .string()
  .regex(/^[a-z0-9-]{1,40}$/, { message: 'expected an icon name: lower-case letters, digits, -' })
  .openapi({ example: 'phone' });

const Position = z.number().int().min(0).max(10_000);

const NewCategory = z
  .strictObject({
    name: text(80).openapi({ example: 'Phones & Tablets' }),
    slug: Slug.optional().openapi({ description: 'Made of the name when absent.' }),
    parentId: z.uuid().nullable().optional().openapi({ description: 'Absent or null: a root.' }),
    position: Position.optional().openapi({ description: 'After the last sibling when absent.' }),
    icon: Icon.nullable().optional(),
  })
  .openapi('NewCategory');

const CategoryChanges = z
  .strictObject({
    name: text(80).optional(),
    slug: Slug.optional(),
    parentId: z.uuid().nullable().optional().openapi({
      description: 'Moves it with everything under it; null makes it a root.',
    }),
    position: Position.optional().openapi({
      description: 'When it moves without one, it goes after its new last sibling.',
    }),
    icon: Icon.nullable().optional().openapi({ description: 'Null removes it.' }),
  })
  .refine((changes) => Object.keys(changes).length > 0, { message: 'expected a field to change' })
  .openapi('CategoryChanges');

const CategoryParams = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

const IdOrSlugParams = z.object({ idOrSlug: idOrSlugParam('phones-tablets') });

categoryRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/categories',
    tags,
    summary: 'The whole category tree',
    description: 'Nested, roots first. Cached; an admin’s change shows at once.',
    responses: {
      200: {
        description: 'The tree',
        content: { 'application/json': { schema: CategoryTree } },
      },
    },
  }),
  async (c) => c.json({ items: await categoryTree(c.get('ctx')) }, 200),
);

categoryRoutes.openapi(
  createRoute({
    method: 'get',
    path: '/categories/{idOrSlug}',
    tags,
    summary: 'A category, by id or slug, with its breadcrumbs and subcategories',
    request: { params: IdOrSlugParams },
    responses: { 200: categoryResponse('The category'), ...problems(404) },
  }),
  async (c) => c.json(await categoryDetail(c.get('ctx'), c.req.valid('param').idOrSlug), 200),
);

categoryRoutes.openapi(
  createRoute({
    method: 'post',
    path: '/admin/categories',
    tags: adminTags,
    summary: 'Add a category',
    description:
      `For admins. Under \`parentId\` (422 \`unknown-parent\` when there is none), at most ` +
      `${MAX_CATEGORY_DEPTH} levels deep (422 \`category-too-deep\`). A taken slug is 409 ` +
      '`slug-taken`. Audited as `category.created`.',
    security: AUTHENTICATED,
    middleware: requirePermission('categories.manage'),
    request: { body: jsonBody(NewCategory) },
    responses: { 201: categoryResponse('The new category'), ...problems(409, 422) },
  }),
  async (c) => c.json(await addCategory(c.get('ctx'), c.req.valid('json')), 201),
);

categoryRoutes.openapi(
  createRoute({
    method: 'patch',
    path: '/admin/categories/{id}',
    tags: adminTags,
    summary: 'Rename, reorder or move a category',
    description:
      'For admins. A move takes the whole subtree along; under itself or one of its ' +
      'descendants is 409 `category-cycle`, and the deepest category moved must stay within ' +
      `${MAX_CATEGORY_DEPTH} levels (422 \`category-too-deep\`). Products under a renamed or ` +
      'moved category are found by their new names in search at once. Audited as ' +
      '`category.updated` or `category.moved`.',
    security: AUTHENTICATED,
    middleware: requirePermission('categories.manage'),
    request: { params: CategoryParams, body: jsonBody(CategoryChanges) },
    responses: { 200: categoryResponse('The changed category'), ...problems(404, 409, 422) },
  }),
  async (c) =>
    c.json(await changeCategory(c.get('ctx'), c.req.valid('param').id, c.req.valid('json')), 200),
);

categoryRoutes.openapi(
  createRoute({
    method: 'delete',
    path: '/admin/categories/{id}',
    tags: adminTags,
    summary: 'Delete a category without subcategories or products',
    description:
      'For admins. 409 `category-has-children` or `category-has-products` (in any status) ' +
      'otherwise. Audited as `category.deleted`.',
    security: AUTHENTICATED,
    middleware: requirePermission('categories.manage'),
    request: { params: CategoryParams },
    responses: { 204: { description: 'Deleted' }, ...problems(404, 409) },
  }),
  async (c) => {
    await removeCategory(c.get('ctx'), c.req.valid('param').id);
    return c.body(null, 204);
  },
);

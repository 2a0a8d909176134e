import { and, asc, eq, inArray } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedIn, signedInUser } from '../../../test/factories.ts';
import { createTestApp, expectInvalid, expectProblem } from '../../../test/harness.ts';
import { securityCases } from '../../../test/security.ts';
import { auditLog } from '../../platform/audit/tables.ts';
import type { CategoryNodeView, CategoryView } from './categories.ts';
import { createProduct, createSeller, type Seller } from './shop.test-support.ts';
import { categories, products } from './tables.ts';
import { MAX_CATEGORY_DEPTH } from './vocabulary.ts';

const t = await createTestApp();
afterAll(() => t.close());

const PUBLIC = '/api/v1/categories';
const ADMIN = '/api/v1/admin/categories';

let admin: SignedIn;
let seller: Seller;
beforeAll(async () => {
  admin = await signedInUser(t, { roles: ['admin'] });
  seller = await createSeller(t);
});

/** A word no other test uses, for names and slugs. */
const unique = (word: string) => `${word}-${uuidv7().slice(-12)}`;

const post = (body: unknown) => t.json('POST', ADMIN, body, admin.headers);
const patch = (id: string, body: unknown) => t.json('PATCH', `${ADMIN}/${id}`, body, admin.headers);
const remove = (id: string) =>
  t.request(`${ADMIN}/${id}`, { method: 'DELETE', headers: admin.headers });

async function add(body: Record<string, unknown> = {}): Promise<CategoryView> {
  const res = await post({ name: unique('Category'), ...body });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as CategoryView;
}

/** A chain of `n` categories, each under the one before, under `parentId` (a root without). */
async function chain(n: number, parentId: string | null = null): Promise<CategoryView[]> {
  const made: CategoryView[] = [];
  for (let i = 0; i < n; i++) {
    made.push(await add({ name: unique(`Level ${i + 1}`), parentId: made.at(-1)?.id ?? parentId }));
  }
  return made;
}

async function tree(): Promise<CategoryNodeView[]> {
  const res = await t.request(PUBLIC);
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { items: CategoryNodeView[] }).items;
}

function findNode(nodes: CategoryNodeView[], id: string): CategoryNodeView | undefined {
  for (const node of nodes) {
    if (node.id === id) return node;
    const found = findNode(node.children, id);
    if (found) return found;
  }
  return undefined;
}

async function detail(idOrSlug: string): Promise<CategoryView> {
  const res = await t.request(`${PUBLIC}/${idOrSlug}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as CategoryView;
}

const pathsOf = async (ids: string[]) =>
  new Map(
    (
      await t.database.db
        .select({ id: categories.id, path: categories.path })
        .from(categories)
        .where(inArray(categories.id, ids))
    ).map((row) => [row.id, row.path]),
  );

const namesOf = async (productId: string) =>
  (
    await t.database.db
      .select({ names: products.categoryNames })
      .from(products)
      .where(eq(products.id, productId))
  )[0]?.names;

const names = (...made: CategoryView[]) => made.map((c) => c.name).join(' ');

describe('GET /categories', () => {
  it('nests the whole tree, siblings by position then name', async () => {
    const root = await add({ name: unique('Electronics'), icon: 'chip' });
    const b = await add({ name: 'Bravo', slug: unique('bravo'), parentId: root.id, position: 1 });
    const z = await add({ name: 'Zulu', slug: unique('zulu'), parentId: root.id, position: 0 });
    const a = await add({ name: 'Alpha', slug: unique('alpha'), parentId: root.id, position: 0 });
    const leaf = await add({ name: unique('Leaf'), parentId: a.id });

    const node = findNode(await tree(), root.id);
    expect(node).toEqual({
      id: root.id,
      name: root.name,
      slug: root.slug,
      icon: 'chip',
      position: root.position,
      children: [
        {
          id: a.id,
          name: 'Alpha',
          slug: a.slug,
          icon: null,
          position: 0,
          children: [
            {
              id: leaf.id,
              name: leaf.name,
              slug: leaf.slug,
              icon: null,
              position: 0,
              children: [],
            },
          ],
        },
        { id: z.id, name: 'Zulu', slug: z.slug, icon: null, position: 0, children: [] },
        { id: b.id, name: 'Bravo', slug: b.slug, icon: null, position: 1, children: [] },
      ],
    });
  });

  it('lists roots only at the top', async () => {
    const [root, child] = await chain(2);
    const items = await tree();
    expect(items.some((n) => n.id === root?.id)).toBe(true);
    expect(items.some((n) => n.id === child?.id)).toBe(false);
  });

  it('answers from the cache until an admin changes the tree, then at once', async () => {
    const root = await add();
    expect(findNode(await tree(), root.id)?.children).toEqual([]);
    const bySlug = await detail(root.slug);

    // Written behind the API's back: the cached tree does not know it.
    const hidden = uuidv7();
    await t.database.db.insert(categories).values({
      id: hidden,
      parentId: root.id,
      name: unique('Hidden'),
      slug: unique('hidden'),
      path: [root.id, hidden],
    });
    expect(findNode(await tree(), root.id)?.children).toEqual([]);
    expect((await detail(root.slug)).children).toEqual(bySlug.children);

    const added = await add({ parentId: root.id, position: 5 });
    expect(findNode(await tree(), root.id)?.children.map((c) => c.id)).toEqual([hidden, added.id]);
    expect((await detail(root.slug)).children.map((c) => c.id)).toEqual([hidden, added.id]);

    expect((await patch(added.id, { name: 'Renamed' })).status).toBe(200);
    expect(findNode(await tree(), added.id)?.name).toBe('Renamed');
    expect((await detail(added.id)).name).toBe('Renamed');

    expect((await patch(added.id, { parentId: null })).status).toBe(200);
    expect(findNode(await tree(), root.id)?.children.map((c) => c.id)).toEqual([hidden]);
    expect((await tree()).some((n) => n.id === added.id)).toBe(true);

    expect((await remove(added.id)).status).toBe(204);
    expect(findNode(await tree(), added.id)).toBeUndefined();
    await expectProblem(await t.request(`${PUBLIC}/${added.id}`), 404, 'not-found');
  });

  it('documents the nested tree in the OpenAPI document', async () => {
    const doc = (await (await t.request('/openapi.json')).json()) as {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(doc.components.schemas.CategoryNode?.properties.children).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/CategoryNode' },
    });
  });
});

describe('GET /categories/{idOrSlug}', () => {
  it('answers by slug or id with breadcrumbs from the root and the direct children', async () => {
    const [top, middle, bottom] = await chain(3);
    if (!top || !middle || !bottom) throw new Error('no chain');
    const second = await add({ name: 'Aaa', parentId: middle.id, position: 0 });
    const crumbs = [top, middle].map((c) => ({ id: c.id, name: c.name, slug: c.slug }));

    const bySlug = await detail(middle.slug);
    expect(bySlug).toEqual({
      id: middle.id,
      parentId: top.id,
      name: middle.name,
      slug: middle.slug,
      icon: null,
      position: 0,
      breadcrumbs: crumbs,
      children: [
        { id: second.id, name: 'Aaa', slug: second.slug, icon: null, position: 0 },
        { id: bottom.id, name: bottom.name, slug: bottom.slug, icon: null, position: 0 },
      ],
    });
    expect(await detail(middle.id)).toEqual(bySlug);
    expect((await detail(top.slug)).breadcrumbs).toEqual(crumbs.slice(0, 1));
  });

  it('answers 404 for an unknown slug or id', async () => {
    await expectProblem(await t.request(`${PUBLIC}/${unique('nothing')}`), 404, 'not-found');
    await expectProblem(await t.request(`${PUBLIC}/${uuidv7()}`), 404, 'not-found');
  });
});

describe('POST /admin/categories', () => {
  it('makes the slug of the name and places it after the last sibling', async () => {
    const word = uuidv7().slice(-8);
    const root = await add();
    const first = await add({ name: `Phones & Tablets ${word}`, parentId: root.id });
    const second = await add({ name: `Ünïcödé Çafé ${word}`, parentId: root.id, icon: 'cup' });
    expect(first).toMatchObject({
      slug: `phones-tablets-${word}`,
      parentId: root.id,
      position: 0,
      breadcrumbs: [
        { id: root.id, name: root.name, slug: root.slug },
        { id: first.id, name: first.name, slug: first.slug },
      ],
      children: [],
    });
    expect(second).toMatchObject({ slug: `unicode-cafe-${word}`, position: 1, icon: 'cup' });
    expect((await pathsOf([second.id])).get(second.id)).toEqual([root.id, second.id]);

    const [entry] = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceType, 'category'), eq(auditLog.resourceId, first.id)));
    expect(entry).toMatchObject({
      action: 'category.created',
      actorId: admin.user.id,
      after: { name: first.name, slug: first.slug, parentId: root.id, position: 0, icon: null },
    });
  });

  it('refuses a taken slug, given or made of the name, naming body.slug', async () => {
    const taken = await add();
    const given = await expectProblem(
      await post({ name: 'Anything', slug: taken.slug }),
      409,
      'slug-taken',
    );
    expect(given.errors).toEqual([{ path: 'body.slug', message: 'taken by another category' }]);
    const made = await expectProblem(await post({ name: taken.name }), 409, 'slug-taken');
    expect(made.errors?.map((e) => e.path)).toEqual(['body.slug']);
  });

  it('asks for a slug when the name gives none', async () => {
    const problem = await expectProblem(await post({ name: 'ስልኮች' }), 422, 'slug-required');
    expect(problem.errors?.map((e) => e.path)).toEqual(['body.slug']);
    expect((await post({ name: 'ስልኮች', slug: unique('phones-am') })).status).toBe(201);
  });

  it('refuses an unknown parent, naming body.parentId', async () => {
    const problem = await expectProblem(
      await post({ name: 'Orphan', parentId: uuidv7() }),
      422,
      'unknown-parent',
    );
    expect(problem.errors).toEqual([{ path: 'body.parentId', message: 'no such category' }]);
  });

  it(`keeps the tree within ${MAX_CATEGORY_DEPTH} levels`, async () => {
    const levels = await chain(MAX_CATEGORY_DEPTH);
    const problem = await expectProblem(
      await post({ name: 'Too deep', parentId: levels.at(-1)?.id }),
      422,
      'category-too-deep',
    );
    expect(problem.errors?.map((e) => e.path)).toEqual(['body.parentId']);
    expect(levels.at(-1)?.breadcrumbs).toHaveLength(MAX_CATEGORY_DEPTH);
  });

  it('names every bad field', async () => {
    await expectInvalid(await post({}), ['body.name']);
    await expectInvalid(
      await post({
        name: ' ',
        slug: 'Not A Slug',
        parentId: 'nope',
        position: -1,
        icon: 'Big Icon',
        colour: 'red',
      }),
      ['body.name', 'body.slug', 'body.parentId', 'body.position', 'body.icon', 'body.colour'],
    );
    await expectInvalid(await post({ name: 'Ids', slug: uuidv7() }), ['body.slug']);
    await expectInvalid(await post({ name: 'Long', slug: 'a'.repeat(65) }), ['body.slug']);
    await expectInvalid(await post({ name: 'x'.repeat(81) }), ['body.name']);
    await expectInvalid(await post({ name: 'Double', slug: 'two--hyphens' }), ['body.slug']);
  });
});

describe('PATCH /admin/categories/{id}', () => {
  it('moves a subtree: every path under it is rewritten and its products renamed', async () => {
    const [a, b, c, d] = await chain(4);
    if (!a || !b || !c || !d) throw new Error('no chain');
    const target = await add();
    const inC = (await createProduct(t, seller.shop, { categoryId: c.id })).product;
    const inD = (await createProduct(t, seller.shop, { categoryId: d.id, status: 'draft' }))
      .product;
    const inA = (await createProduct(t, seller.shop, { categoryId: a.id })).product;
    expect(await namesOf(inD.id)).toBe(names(a, b, c, d));

    const res = await patch(b.id, { parentId: target.id });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({
      id: b.id,
      parentId: target.id,
      position: 0,
      breadcrumbs: [
        { id: target.id, name: target.name, slug: target.slug },
        { id: b.id, name: b.name, slug: b.slug },
      ],
      children: [{ id: c.id }],
    });
    const paths = await pathsOf([a.id, b.id, c.id, d.id]);
    expect(paths.get(a.id)).toEqual([a.id]);
    expect(paths.get(b.id)).toEqual([target.id, b.id]);
    expect(paths.get(c.id)).toEqual([target.id, b.id, c.id]);
    expect(paths.get(d.id)).toEqual([target.id, b.id, c.id, d.id]);
    expect(await namesOf(inC.id)).toBe(names(target, b, c));
    expect(await namesOf(inD.id)).toBe(names(target, b, c, d));
    expect(await namesOf(inA.id)).toBe(a.name);
    expect((await detail(d.id)).breadcrumbs.map((x) => x.id)).toEqual([
      target.id,
      b.id,
      c.id,
      d.id,
    ]);

    const [entry] = await t.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceId, b.id), eq(auditLog.action, 'category.moved')));
    expect(entry).toMatchObject({
      before: { parentId: a.id },
      after: { parentId: target.id },
    });

    expect((await patch(c.id, { parentId: null, position: 3 })).status).toBe(200);
    const rooted = await pathsOf([c.id, d.id]);
    expect(rooted.get(c.id)).toEqual([c.id]);
    expect(rooted.get(d.id)).toEqual([c.id, d.id]);
    expect(await namesOf(inD.id)).toBe(names(c, d));
    expect((await tree()).find((n) => n.id === c.id)).toMatchObject({
      position: 3,
      children: [{ id: d.id }],
    });
  });

  it('renames the products of the whole subtree, whatever their status', async () => {
    const [a, b, c] = await chain(3);
    if (!a || !b || !c) throw new Error('no chain');
    const archived = (await createProduct(t, seller.shop, { categoryId: c.id, status: 'archived' }))
      .product;
    const res = await patch(a.id, { name: 'Home Garden' });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await namesOf(archived.id)).toBe(`Home Garden ${b.name} ${c.name}`);
    const [row] = await t.database.db
      .select({ searchText: products.searchText })
      .from(products)
      .where(eq(products.id, archived.id));
    expect(row?.searchText).toContain('home garden');
  });

  it('refuses a move under itself or a descendant: category-cycle', async () => {
    const [a, b, c] = await chain(3);
    if (!a || !b || !c) throw new Error('no chain');
    const self = await expectProblem(await patch(b.id, { parentId: b.id }), 409, 'category-cycle');
    expect(self.errors?.map((e) => e.path)).toEqual(['body.parentId']);
    await expectProblem(await patch(a.id, { parentId: c.id }), 409, 'category-cycle');
    expect((await pathsOf([a.id])).get(a.id)).toEqual([a.id]);
  });

  it('lets only one of two crossing moves through', async () => {
    const x = await add();
    const y = await add();
    const results = await Promise.all([
      patch(x.id, { parentId: y.id }),
      patch(y.id, { parentId: x.id }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const paths = await pathsOf([x.id, y.id]);
    const lengths = [paths.get(x.id)?.length, paths.get(y.id)?.length].sort();
    expect(lengths).toEqual([1, 2]);
  });

  it('counts the deepest category moved against the depth limit', async () => {
    const host = await chain(MAX_CATEGORY_DEPTH - 2);
    const moved = await chain(3);
    const [top] = moved;
    if (!top) throw new Error('no chain');
    const problem = await expectProblem(
      await patch(top.id, { parentId: host.at(-1)?.id }),
      422,
      'category-too-deep',
    );
    expect(problem.errors?.map((e) => e.path)).toEqual(['body.parentId']);
    expect((await patch(top.id, { parentId: host.at(-2)?.id })).status).toBe(200);
  });

  it('changes slug, position and icon; a taken slug is 409', async () => {
    const one = await add({ icon: 'star' });
    const two = await add();
    const slug = unique('fresh');
    const res = await patch(one.id, { slug, position: 7, icon: null });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.json()).toMatchObject({ slug, position: 7, icon: null, name: one.name });
    expect((await patch(one.id, { slug })).status).toBe(200);
    const problem = await expectProblem(await patch(two.id, { slug }), 409, 'slug-taken');
    expect(problem.errors?.map((e) => e.path)).toEqual(['body.slug']);
  });

  it('names every bad field, and 404s an unknown category', async () => {
    const one = await add();
    await expectInvalid(await patch(one.id, {}), ['body']);
    await expectInvalid(
      await patch(one.id, { name: '', slug: 'two words', parentId: 5, position: 1.5 }),
      ['body.name', 'body.slug', 'body.parentId', 'body.position'],
    );
    await expectInvalid(await patch('not-an-id', { name: 'X' }), ['params.id']);
    await expectProblem(await patch(uuidv7(), { name: 'X' }), 404, 'not-found');
    await expectProblem(await patch(one.id, { parentId: uuidv7() }), 422, 'unknown-parent');
  });
});

describe('DELETE /admin/categories/{id}', () => {
  it('refuses a category with subcategories', async () => {
    const [parent] = await chain(2);
    if (!parent) throw new Error('no chain');
    await expectProblem(await remove(parent.id), 409, 'category-has-children');
  });

  it('refuses a category with products in any status', async () => {
    for (const status of ['draft', 'archived'] as const) {
      const leaf = await add();
      await createProduct(t, seller.shop, { categoryId: leaf.id, status });
      await expectProblem(await remove(leaf.id), 409, 'category-has-products');
    }
  });

  it('deletes an empty leaf, audited', async () => {
    const leaf = await add();
    expect((await remove(leaf.id)).status).toBe(204);
    await expectProblem(await t.request(`${PUBLIC}/${leaf.slug}`), 404, 'not-found');
    await expectProblem(await remove(leaf.id), 404, 'not-found');
    const entries = await t.database.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(eq(auditLog.resourceId, leaf.id))
      .orderBy(asc(auditLog.occurredAt), asc(auditLog.id));
    expect(entries.map((e) => e.action)).toEqual(['category.created', 'category.deleted']);
  });
});

const someId = uuidv7();
for (const route of [
  { method: 'POST', path: ADMIN, body: { name: 'Guarded' } },
  { method: 'PATCH', path: `${ADMIN}/${someId}`, body: { name: 'Guarded' } },
  { method: 'DELETE', path: `${ADMIN}/${someId}` },
]) {
  securityCases(() => t, { ...route, allowed: ['admin'], forbidden: ['moderator', 'seller'] });
}

import { asc, eq, inArray, isNull, max, sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { audit } from '../../platform/audit/audit.ts';
import { cacheKey } from '../../platform/cache/index.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict, Invalid, NotFound } from '../../platform/core/errors.ts';
import type { Executor, Tx } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { byIdOrSlug, isSlug, slugFrom } from './slugs.ts';
import { type CategoryRow, categories, products } from './tables.ts';
import { MAX_CATEGORY_DEPTH } from './vocabulary.ts';

export interface CategoryRef {
  id: string;
  name: string;
  slug: string;
}

/** The category and its ancestors, from the root down; empty when there is no such category. */
export async function breadcrumbsOf(db: Executor, categoryId: string): Promise<CategoryRef[]> {
  return db
    .select({ id: categories.id, name: categories.name, slug: categories.slug })
    .from(categories)
    .where(
      sql`${categories.id} = any((select ${categories.path} from ${categories} where ${categories.id} = ${categoryId})::uuid[])`,
    )
    .orderBy(sql`array_length(${categories.path}, 1)`);
}

/** What products copy for search: the names of the category and its ancestors. */
export const categoryNames = (trail: readonly CategoryRef[]) => trail.map((c) => c.name).join(' ');

export async function findCategory(db: Executor, id: string): Promise<CategoryRow | undefined> {
  const [row] = await db.select().from(categories).where(eq(categories.id, id));
  return row;
}

/** The category `id` and everything under it. */
export const inSubtree = (categoryId: string) =>
  sql`${categories.path} @> array[${categoryId}]::uuid[]`;

/**
 * The tree's services: public reads cached under one tag, and admin changes that invalidate it.
 */

const TREE_TAG = 'shop:categories';
/** Changes invalidate the tag at once; the TTL only bounds what a lost invalidation costs. */
const TREE_TTL_SECONDS = 3600;

export interface CategoryNodeView {
  id: string;
  name: string;
  slug: string;
  icon: string | null;
  position: number;
  children: CategoryNodeView[];
}

export type CategoryChildView = Omit<CategoryNodeView, 'children'>;

export interface CategoryView extends CategoryChildView {
  parentId: string | null;
  /** From the root down to the category itself. */
  breadcrumbs: CategoryRef[];
  children: CategoryChildView[];
}

const nodeColumns = {
  id: categories.id,
  name: categories.name,
  slug: categories.slug,
  icon: categories.icon,
  position: categories.position,
};

const siblingOrder = [asc(categories.position), asc(categories.name), asc(categories.id)];

/** The whole tree: roots and each one's children, siblings by position then name. */
export function categoryTree(ctx: Ctx): Promise<CategoryNodeView[]> {
  return ctx.cache.wrap(
    cacheKey('shop', 'categories', 'tree'),
    { ttlSeconds: TREE_TTL_SECONDS, tags: [TREE_TAG] },
    async () => {
      const rows = await ctx.db
        .select({ ...nodeColumns, parentId: categories.parentId })
        .from(categories)
        .orderBy(...siblingOrder);
      const nodes = new Map(
        rows.map(({ parentId: _parentId, ...row }) => [
          row.id,
          { ...row, children: [] as CategoryNodeView[] },
        ]),
      );
      const roots: CategoryNodeView[] = [];
      for (const row of rows) {
        const node = nodes.get(row.id) as CategoryNodeView;
        const parent = row.parentId ? nodes.get(row.parentId) : undefined;
        (parent ? parent.children : roots).push(node);
      }
      return roots;
    },
  );
}

async function categoryView(db: Executor, row: CategoryRow): Promise<CategoryView> {
  const [breadcrumbs, children] = await Promise.all([
    breadcrumbsOf(db, row.id),
    db
      .select(nodeColumns)
      .from(categories)
      .where(eq(categories.parentId, row.id))
      .orderBy(...siblingOrder),
  ]);
  return {
    id: row.id,
    parentId: row.parentId,
    name: row.name,
    slug: row.slug,
    icon: row.icon,
    position: row.position,
    breadcrumbs,
    children,
  };
}

/** The category with its breadcrumbs and direct children, by id or by slug. */
export async function categoryDetail(ctx: Ctx, idOrSlug: string): Promise<CategoryView> {
  const view = await ctx.cache.wrap(
    cacheKey('shop', 'category', idOrSlug),
    { ttlSeconds: TREE_TTL_SECONDS, tags: [TREE_TAG] },
    async () => {
      const [row] = await ctx.db
        .select()
        .from(categories)
        .where(byIdOrSlug(categories.id, categories.slug, idOrSlug));
      return row ? categoryView(ctx.db, row) : undefined;
    },
  );
  if (!view) throw new NotFound('category');
  return view;
}

/**
 * Every tree change takes one transaction-level advisory lock. A cycle check or a depth check
 * reads rows that another move changes (the new parent's ancestors, the moved subtree), and
 * row locks on both would have two crossing moves deadlock rather than wait; tree edits are
 * rare admin work, so serialising them costs nothing. Writers that copy category names into
 * products take it shared (categoryNamesFor), so a rename cannot slip between their read and
 * their commit.
 */
const TREE_LOCK = sql`hashtext('mercato:shop-category-tree')`;

async function lockTree(db: Executor): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(${TREE_LOCK})`);
}

/**
 * What a product of `categoryId` copies into `products.category_names`, read under the tree
 * lock held shared until the caller's transaction ends; undefined for no such category.
 */
export async function categoryNamesFor(db: Tx, categoryId: string): Promise<string | undefined> {
  await db.execute(sql`select pg_advisory_xact_lock_shared(${TREE_LOCK})`);
  const trail = await breadcrumbsOf(db, categoryId);
  return trail.length === 0 ? undefined : categoryNames(trail);
}

/** The names of each product's category and its ancestors, root first, as categoryNames joins them. */
const namesOfProductCategory = sql`(
  select string_agg(a.name, ' ' order by array_length(a.path, 1))
  from ${categories} c join ${categories} a on a.id = any(c.path)
  where c.id = ${products.categoryId}
)`;

/** Rewrites the copied names of every product in the subtree of `categoryId`. */
async function refreshProductNames(db: Executor, categoryId: string): Promise<void> {
  await db
    .update(products)
    // A copy kept in step is no change of the product: its updatedAt stays.
    .set({ categoryNames: namesOfProductCategory, updatedAt: sql`${products.updatedAt}` })
    .where(
      inArray(
        products.categoryId,
        db.select({ id: categories.id }).from(categories).where(inSubtree(categoryId)),
      ),
    );
}

const slugTaken = (slug: string) =>
  new Conflict('slug-taken', `The slug "${slug}" is taken by another category.`, {
    fields: [{ path: 'slug', message: 'taken by another category' }],
  });

async function ensureSlugFree(db: Executor, slug: string): Promise<void> {
  const [taken] = await db
    .select({ id: categories.id })
    .from(categories)
    .where(eq(categories.slug, slug));
  if (taken) throw slugTaken(slug);
}

async function parentOf(db: Executor, parentId: string): Promise<CategoryRow> {
  const parent = await findCategory(db, parentId);
  if (!parent) {
    throw new Invalid('unknown-parent', 'The parent category does not exist.', {
      fields: [{ path: 'parentId', message: 'no such category' }],
    });
  }
  return parent;
}

function ensureDepth(parentDepth: number, height: number): void {
  if (parentDepth + height <= MAX_CATEGORY_DEPTH) return;
  throw new Invalid(
    'category-too-deep',
    `The tree is at most ${MAX_CATEGORY_DEPTH} levels deep; this would make it ${parentDepth + height}.`,
    { fields: [{ path: 'parentId', message: `deeper than ${MAX_CATEGORY_DEPTH} levels` }] },
  );
}

/** The position after the last child of `parentId` (of the roots for null). */
async function nextPosition(db: Executor, parentId: string | null): Promise<number> {
  const [row] = await db
    .select({ last: max(categories.position) })
    .from(categories)
    .where(parentId ? eq(categories.parentId, parentId) : isNull(categories.parentId));
  return row?.last == null ? 0 : row.last + 1;
}

/** Runs a tree change under the lock, then drops the cached tree once it has committed. */
async function changeTree<T>(ctx: Ctx, fn: (tx: Ctx & { db: Tx }) => Promise<T>): Promise<T> {
  const result = await withTransaction(ctx, async (tx) => {
    await lockTree(tx.db);
    return fn(tx);
  });
  // After the commit: a reader loading before it would otherwise cache the old tree again.
  await ctx.cache.invalidateTags(TREE_TAG);
  return result;
}

const audited = (row: CategoryRow) => ({
  parentId: row.parentId,
  name: row.name,
  slug: row.slug,
  position: row.position,
  icon: row.icon,
});

export interface NewCategory {
  name: string;
  /** Made of the name when absent. */
  slug?: string | undefined;
  parentId?: string | null | undefined;
  /** After the last sibling when absent. */
  position?: number | undefined;
  icon?: string | null | undefined;
}

export function addCategory(ctx: Ctx, input: NewCategory): Promise<CategoryView> {
  return changeTree(ctx, async (tx) => {
    const slug = input.slug ?? slugFrom(input.name);
    if (!isSlug(slug)) {
      throw new Invalid('slug-required', 'No slug can be made of this name; give one.', {
        fields: [{ path: 'slug', message: 'required: the name gives no usable slug' }],
      });
    }
    const parentId = input.parentId ?? null;
    const parent = parentId ? await parentOf(tx.db, parentId) : undefined;
    ensureDepth(parent?.path.length ?? 0, 1);
    await ensureSlugFree(tx.db, slug);
    const id = uuidv7();
    const [row] = await tx.db
      .insert(categories)
      .values({
        id,
        parentId,
        name: input.name,
        slug,
        position: input.position ?? (await nextPosition(tx.db, parentId)),
        icon: input.icon ?? null,
        path: [...(parent?.path ?? []), id],
      })
      .returning();
    if (!row) throw new Error('inserting a category returned nothing');
    await audit(tx, {
      action: 'category.created',
      resource: { type: 'category', id },
      after: audited(row),
    });
    return categoryView(tx.db, row);
  });
}

export interface CategoryChanges {
  name?: string | undefined;
  slug?: string | undefined;
  /** Null makes it a root. */
  parentId?: string | null | undefined;
  position?: number | undefined;
  icon?: string | null | undefined;
}

/** Moves `row` and its subtree under `parentId`: every path of the subtree in one statement. */
async function moveSubtree(db: Executor, row: CategoryRow, parentId: string | null) {
  const parent = parentId ? await parentOf(db, parentId) : undefined;
  if (parent?.path.includes(row.id)) {
    throw new Conflict(
      'category-cycle',
      parent.id === row.id
        ? 'A category cannot be its own parent.'
        : 'A category cannot move under one of its own descendants.',
      { fields: [{ path: 'parentId', message: 'the category itself or under it' }] },
    );
  }
  const depth = row.path.length;
  const [deepest] = await db
    .select({ length: sql<number>`max(array_length(${categories.path}, 1))` })
    .from(categories)
    .where(inSubtree(row.id));
  ensureDepth(parent?.path.length ?? 0, (deepest?.length ?? depth) - depth + 1);
  const prefix = parent?.path ?? [];
  // The moved category sits at index `depth` of every path under it; what follows is kept.
  await db
    .update(categories)
    .set({
      path: sql`${sql.param(prefix, categories.path)}::uuid[] || ${categories.path}[${depth}:]`,
    })
    .where(inSubtree(row.id));
}

export function changeCategory(
  ctx: Ctx,
  id: string,
  changes: CategoryChanges,
): Promise<CategoryView> {
  return changeTree(ctx, async (tx) => {
    const row = await findCategory(tx.db, id);
    if (!row) throw new NotFound('category');
    if (changes.slug !== undefined && changes.slug !== row.slug) {
      await ensureSlugFree(tx.db, changes.slug);
    }
    const moving = changes.parentId !== undefined && changes.parentId !== row.parentId;
    const parentId = moving ? (changes.parentId ?? null) : row.parentId;
    if (moving) await moveSubtree(tx.db, row, parentId);
    const [updated] = await tx.db
      .update(categories)
      .set({
        parentId,
        name: changes.name ?? row.name,
        slug: changes.slug ?? row.slug,
        position: changes.position ?? (moving ? await nextPosition(tx.db, parentId) : row.position),
        icon: changes.icon === undefined ? row.icon : changes.icon,
      })
      .where(eq(categories.id, id))
      .returning();
    if (!updated) throw new Error(`category ${id} vanished under the tree lock`);
    if (moving || updated.name !== row.name) await refreshProductNames(tx.db, id);
    await audit(tx, {
      action: moving ? 'category.moved' : 'category.updated',
      resource: { type: 'category', id },
      before: audited(row),
      after: audited(updated),
    });
    return categoryView(tx.db, updated);
  });
}

/** Only a leaf without products goes: products keep their category, whatever their status. */
export function removeCategory(ctx: Ctx, id: string): Promise<void> {
  return changeTree(ctx, async (tx) => {
    // FOR UPDATE waits for, and then blocks, products being added to it: their foreign key
    // check holds a key-share lock on this row.
    const [row] = await tx.db.select().from(categories).where(eq(categories.id, id)).for('update');
    if (!row) throw new NotFound('category');
    const [child] = await tx.db
      .select({ id: categories.id })
      .from(categories)
      .where(eq(categories.parentId, id))
      .limit(1);
    if (child) {
      throw new Conflict(
        'category-has-children',
        'The category has subcategories; move or delete them first.',
      );
    }
    const [product] = await tx.db
      .select({ id: products.id })
      .from(products)
      .where(eq(products.categoryId, id))
      .limit(1);
    if (product) {
      throw new Conflict(
        'category-has-products',
        'Products are in the category; move them to another one first.',
      );
    }
    await tx.db.delete(categories).where(eq(categories.id, id));
    await audit(tx, {
      action: 'category.deleted',
      resource: { type: 'category', id },
      before: audited(row),
    });
  });
}

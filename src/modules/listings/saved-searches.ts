import { z } from '@hono/zod-openapi';
import { and, count, eq, gt, inArray, lt, lte, ne, sql } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { BadInput, Invalid, NotFound } from '../../platform/core/errors.ts';
import { text } from '../../platform/core/fields.ts';
import { keysetPage, type Page, type PageInput } from '../../platform/core/paging.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import { inBatches } from '../../platform/db/batches.ts';
import { fullTextMatch } from '../../platform/db/text-search.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { savedSearchMatched } from './events.ts';
import { filterConditions, listingText } from './search.ts';
import { type Filters, SearchFilters } from './search-query.ts';
import { listings, savedSearches, savedSearchMatches } from './tables.ts';
import { ALERT_FREQUENCIES } from './vocabulary.ts';

/**
 * Searches users keep, and the scheduled matcher that tells them (saved_search.matched) of
 * listings newly on the market that fit, once per search and listing.
 */

const MAX_PER_USER = 50;

/**
 * How far back each run looks past where the last one stopped: a listing's publishing
 * transaction may commit after a run whose `now` is later than its publishedAt. The matches'
 * primary key makes looking twice harmless.
 */
const OVERLAP_MS = 5 * 60_000;

/** Saved searches one matching transaction handles. */
const BATCH = 100;

/** Filters as GET /listings takes them in its query: a client can run the search as it is. */
const QueryForm = z.record(z.string(), z.union([z.string(), z.number()]));
type QueryForm = z.infer<typeof QueryForm>;

export const SavedSearchCreate = z
  .strictObject({
    name: text(100),
    filters: SearchFilters.openapi({
      description:
        'The filters of GET /listings (not limit, cursor or sort), validated the same way; ' +
        'numbers may be JSON numbers.',
      example: { kind: 'property', city: 'Addis Ababa', bedroomsMin: 2 },
    }),
    frequency: z.enum(ALERT_FREQUENCIES).openapi({
      description: 'How often to be told of matches: at once, in a daily or a weekly digest.',
    }),
  })
  .openapi('SavedSearchCreate');

export const SavedSearch = z
  .object({
    id: z.uuid(),
    name: z.string(),
    filters: QueryForm.openapi({ description: 'As GET /listings takes them in its query.' }),
    frequency: z.enum(ALERT_FREQUENCIES),
    createdAt: z.iso.datetime(),
  })
  .openapi('SavedSearch');

export type SavedSearchView = z.infer<typeof SavedSearch>;
type SavedSearchRow = typeof savedSearches.$inferSelect;

/** Lists become comma-separated, a box or a point its numbers in the query's order. */
function queryFormOf(filters: Filters): QueryForm {
  const form: QueryForm = {};
  for (const [key, value] of Object.entries(filters)) {
    if (value === undefined) continue;
    if (typeof value === 'number') form[key] = value;
    else if (Array.isArray(value)) form[key] = value.join(',');
    else if (typeof value === 'object') form[key] = Object.values(value).join(',');
    else form[key] = String(value);
  }
  return form;
}

const viewOf = (row: SavedSearchRow): SavedSearchView => ({
  id: row.id,
  name: row.name,
  // Only saveSearch writes filters, always in the query form.
  filters: row.filters as QueryForm,
  frequency: row.frequency,
  createdAt: row.createdAt.toISOString(),
});

/**
 * Saves a search for the caller, at most MAX_PER_USER of them. Matching starts now: listings
 * already on the market are what the search shows, not alerts.
 */
export async function saveSearch(
  ctx: Ctx,
  input: z.infer<typeof SavedSearchCreate>,
): Promise<SavedSearchView> {
  const { userId } = requireActor(ctx);
  if (input.filters.q !== undefined && !fullTextMatch(listingText, input.filters.q)) {
    throw new BadInput('validation-failed', 'The search needs a word.', {
      fields: [{ path: 'filters.q', message: 'expected at least one letter or digit' }],
    });
  }
  return withTransaction(ctx, async (tx) => {
    // One user's saves in turn, so two at once cannot both pass the count.
    await tx.db.execute(
      sql`select pg_advisory_xact_lock(hashtext(${`mercato:saved-searches:${userId}`}))`,
    );
    const [saved] = await tx.db
      .select({ n: count() })
      .from(savedSearches)
      .where(eq(savedSearches.userId, userId));
    if ((saved?.n ?? 0) >= MAX_PER_USER) {
      throw new Invalid(
        'too-many-saved-searches',
        `Keep at most ${MAX_PER_USER} saved searches: delete one to save another.`,
      );
    }
    // The app's clock, as listings' publishedAt is: the matcher compares the two.
    const now = new Date();
    const [row] = await tx.db
      .insert(savedSearches)
      .values({
        userId,
        name: input.name,
        filters: queryFormOf(input.filters),
        frequency: input.frequency,
        matchedThrough: now,
        createdAt: now,
      })
      .returning();
    if (!row) throw new Error('inserting a saved search returned no row');
    return viewOf(row);
  });
}

/** The caller's saved searches, newest first. */
export async function listSavedSearches(ctx: Ctx, page: PageInput): Promise<Page<SavedSearchView>> {
  const { userId } = requireActor(ctx);
  const result = await keysetPage<SavedSearchRow>(ctx, {
    scope: 'saved-searches',
    keys: [
      { column: savedSearches.createdAt, direction: 'desc', value: (r) => r.createdAt },
      { column: savedSearches.id, direction: 'desc', value: (r) => r.id },
    ],
    page,
    fetch: ({ where, orderBy, limit }) =>
      ctx.db
        .select()
        .from(savedSearches)
        .where(and(eq(savedSearches.userId, userId), where))
        .orderBy(...orderBy)
        .limit(limit),
  });
  return { ...result, items: result.items.map(viewOf) };
}

/** Deletes one of the caller's saved searches; another user's is not found. */
export async function deleteSavedSearch(ctx: Ctx, id: string): Promise<void> {
  const { userId } = requireActor(ctx);
  const deleted = await ctx.db
    .delete(savedSearches)
    .where(and(eq(savedSearches.id, id), eq(savedSearches.userId, userId)))
    .returning({ id: savedSearches.id });
  if (deleted.length === 0) throw new NotFound('saved search');
}

/**
 * Records the listings on the market that `search` matches, published after it last looked
 * (less the overlap, never before it was saved) and by `now`, the searcher's own aside. Only
 * newly recorded matches are told.
 */
async function matchOne(tx: Ctx, search: SavedSearchRow, now: Date): Promise<void> {
  const parsed = SearchFilters.safeParse(search.filters);
  if (!parsed.success) {
    tx.log.warn(
      { savedSearchId: search.id, issues: parsed.error.issues },
      'a saved search no longer validates; it matches nothing',
    );
    return;
  }
  const filters = parsed.data;
  const text = filters.q === undefined ? undefined : fullTextMatch(listingText, filters.q);
  if (filters.q !== undefined && !text) return;
  const since = new Date(
    Math.max(search.matchedThrough.getTime() - OVERLAP_MS, search.createdAt.getTime()),
  );
  const found = await tx.db
    .select({ id: listings.id })
    .from(listings)
    .where(
      and(
        ...filterConditions(filters),
        text?.match,
        gt(listings.publishedAt, since),
        lte(listings.publishedAt, now),
        ne(listings.ownerId, search.userId),
      ),
    );
  if (found.length === 0) return;
  const inserted = await tx.db
    .insert(savedSearchMatches)
    .values(found.map(({ id }) => ({ savedSearchId: search.id, listingId: id, createdAt: now })))
    .onConflictDoNothing()
    .returning({ listingId: savedSearchMatches.listingId });
  for (const { listingId } of inserted) {
    await publish(tx, savedSearchMatched, {
      aggregateId: search.id,
      payload: {
        savedSearchId: search.id,
        userId: search.userId,
        listingId,
        frequency: search.frequency,
      },
    });
  }
}

/** The scheduled matcher: every saved search not yet matched through `now`, in batches. */
export async function matchSavedSearches(ctx: Ctx, now: Date): Promise<void> {
  await inBatches(ctx, BATCH, async (tx) => {
    const searches = await tx.db
      .select()
      .from(savedSearches)
      .where(lt(savedSearches.matchedThrough, now))
      .orderBy(savedSearches.id)
      .limit(BATCH)
      .for('update', { skipLocked: true });
    if (searches.length === 0) return 0;
    for (const search of searches) await matchOne(tx, search, now);
    await tx.db
      .update(savedSearches)
      .set({ matchedThrough: now })
      .where(
        inArray(
          savedSearches.id,
          searches.map((s) => s.id),
        ),
      );
    return searches.length;
  });
}

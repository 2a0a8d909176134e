import { and, eq } from 'drizzle-orm';
import type { z } from 'zod';
import type { Ctx } from '../../platform/core/context.ts';
import { keysetPage, type Page, type PageInput } from '../../platform/core/paging.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import { visibleListing } from './listings.ts';
import type { FavoriteItem } from './schemas.ts';
import { favorites, listings } from './tables.ts';
import { type Listed, listingColumns, summaryViews } from './views.ts';
import { isPublicStatus } from './vocabulary.ts';

/** A signed-in user's saved listings. */

export type FavoriteView = z.infer<typeof FavoriteItem>;

/** Saves a listing the caller may see; saving it again keeps the first `savedAt`. */
export async function saveFavorite(ctx: Ctx, listingId: string): Promise<void> {
  const { userId } = requireActor(ctx);
  await visibleListing(ctx, listingId);
  await ctx.db.insert(favorites).values({ userId, listingId }).onConflictDoNothing();
}

/**
 * Forgets a saved listing. Whether the listing is still visible does not matter: a favorite
 * whose listing went back to draft must still be removable.
 */
export async function removeFavorite(ctx: Ctx, listingId: string): Promise<void> {
  const { userId } = requireActor(ctx);
  await ctx.db
    .delete(favorites)
    .where(and(eq(favorites.userId, userId), eq(favorites.listingId, listingId)));
}

type SavedRow = Listed & { savedAt: Date };

/**
 * The caller's favorites, most recently saved first. Listings that left the market stay,
 * marked unavailable, so the user learns what became of them instead of seeing them vanish.
 */
export async function listFavorites(ctx: Ctx, page: PageInput): Promise<Page<FavoriteView>> {
  const { userId } = requireActor(ctx);
  const result = await keysetPage<SavedRow>(ctx, {
    scope: 'favorites:saved-desc',
    keys: [
      { column: favorites.createdAt, direction: 'desc', value: (r) => r.savedAt },
      { column: favorites.listingId, direction: 'desc', value: (r) => r.id },
    ],
    page,
    fetch: ({ where, orderBy, limit }) =>
      ctx.db
        .select({ ...listingColumns, savedAt: favorites.createdAt })
        .from(favorites)
        .innerJoin(listings, eq(listings.id, favorites.listingId))
        .where(and(eq(favorites.userId, userId), where))
        .orderBy(...orderBy)
        .limit(limit),
  });
  const summaries = await summaryViews(ctx.db, ctx.storage, result.items);
  return {
    nextCursor: result.nextCursor,
    items: result.items.map((row, i) => ({
      listing: summaries[i] as FavoriteView['listing'],
      savedAt: row.savedAt.toISOString(),
      available: isPublicStatus(row.status),
    })),
  };
}

import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.ts';
import type { Ctx } from '../../platform/http/context.ts';
import { keysetPage, type Page, type PageInput } from '../../platform/http/pagination.ts';
import { listings } from './tables.ts';
import { type Listed, type ListingSummaryView, listingColumns, summaryViews } from './views.ts';
import { PUBLIC_STATUSES } from './vocabulary.ts';

/** One lister's listings as the public sees them: what a professional's profile shows. */

const onTheMarket = (ownerId: string) =>
  and(eq(listings.ownerId, ownerId), inArray(listings.status, [...PUBLIC_STATUSES]));

/** The owner's listings on the market (active or under offer), newest first. */
export async function publicListingsOf(
  ctx: Ctx,
  ownerId: string,
  page: PageInput,
): Promise<Page<ListingSummaryView>> {
  const result = await keysetPage<Listed>({
    // The owner is in the scope: a cursor from one lister's page cannot walk another's.
    scope: `owner-listings:${ownerId}`,
    keys: [
      { column: listings.createdAt, direction: 'desc', value: (r) => r.createdAt },
      { column: listings.id, direction: 'desc', value: (r) => r.id },
    ],
    page,
    secret: ctx.config.jwtSecret,
    fetch: ({ where, orderBy, limit }) =>
      ctx.db
        .select(listingColumns)
        .from(listings)
        .where(and(onTheMarket(ownerId), where))
        .orderBy(...orderBy)
        .limit(limit),
  });
  return { ...result, items: await summaryViews(ctx.db, ctx.storage, result.items) };
}

/** How many of the owner's listings are on the market. */
export async function activeListingCount(db: Executor, ownerId: string): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)`.mapWith(Number) })
    .from(listings)
    .where(onTheMarket(ownerId));
  return row?.count ?? 0;
}

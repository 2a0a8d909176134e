import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import type { Page, PageInput } from '../../platform/core/paging.ts';
import type { Executor } from '../../platform/db/client.ts';
import { newestListings } from './listings.ts';
import { listings } from './tables.ts';
import type { ListingSummaryView } from './views.ts';
import { PUBLIC_STATUSES } from './vocabulary.ts';

/** One lister's listings as the public sees them: what a professional's profile shows. */

const onTheMarket = (ownerId: string) =>
  and(eq(listings.ownerId, ownerId), inArray(listings.status, [...PUBLIC_STATUSES]));

/** The owner's listings on the market (active or under offer), newest first. */
export function publicListingsOf(
  ctx: Ctx,
  ownerId: string,
  page: PageInput,
): Promise<Page<ListingSummaryView>> {
  return newestListings(ctx, `owner-listings:${ownerId}`, onTheMarket(ownerId), page);
}

/** How many of the owner's listings are on the market. */
export async function activeListingCount(db: Executor, ownerId: string): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)`.mapWith(Number) })
    .from(listings)
    .where(onTheMarket(ownerId));
  return row?.count ?? 0;
}

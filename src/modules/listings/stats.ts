import { z } from '@hono/zod-openapi';
import { and, between, count, eq, gte, lt } from 'drizzle-orm';
import type { Ctx } from '../../platform/core/context.ts';
import { Invalid, NotFound } from '../../platform/core/errors.ts';
import { can, requireActor } from '../../platform/core/permissions.ts';
import { utcDay } from './page-views.ts';
import { favorites, inquiries, listings, listingViews } from './tables.ts';

/** How a lister's listing is doing: views per day, favorites, inquiries. */

const DAY_MS = 86_400_000;
/** The longest range asked for at once: a leap year. */
export const MAX_STATS_DAYS = 366;
/** Without a range: the last 30 days, today included. */
const DEFAULT_DAYS = 30;

const isoDate = (description: string) =>
  z.iso
    .date({ message: 'expected a date as YYYY-MM-DD', abort: true })
    // Far dates would step outside what Date and PostgreSQL's date both read alike.
    .refine((day) => day >= '1970-01-01' && day <= '9999-12-30', {
      message: 'expected a date between 1970-01-01 and 9999-12-30',
    })
    .optional()
    .openapi({ description, example: '2025-01-31' });

export const StatsQuery = z.object({
  from: isoDate(
    `The first day (UTC), included; by default ${DEFAULT_DAYS - 1} days before \`to\`.`,
  ),
  to: isoDate('The last day (UTC), included; by default today.'),
});

export const ListingStats = z
  .object({
    listingId: z.uuid(),
    from: z.iso.date(),
    to: z.iso.date(),
    views: z.number().int().openapi({ description: 'Views in the range: a viewer once a day.' }),
    favorites: z.number().int().openapi({ description: 'Users who have it saved now.' }),
    inquiries: z.number().int().openapi({ description: 'Inquiries received in the range.' }),
    daily: z
      .array(z.object({ date: z.iso.date(), views: z.number().int() }))
      .openapi({ description: 'Every day of the range, oldest first, days without views too.' }),
  })
  .openapi('ListingStats');

export type ListingStatsView = z.infer<typeof ListingStats>;

const dayAfter = (day: string, days = 1) => utcDay(new Date(Date.parse(day) + days * DAY_MS));

/** The range asked for, its gaps filled in from `now`; a backwards or too long one is refused. */
function rangeOf(query: { from?: string | undefined; to?: string | undefined }, now: Date) {
  const to = query.to ?? utcDay(now);
  const from = query.from ?? dayAfter(to, 1 - DEFAULT_DAYS);
  const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
  if (days < 1) {
    throw new Invalid('invalid-range', 'The range ends before it starts.', {
      fields: [{ path: 'from', message: `must not be after ${to}` }],
    });
  }
  if (days > MAX_STATS_DAYS) {
    throw new Invalid('range-too-long', `Ask for at most ${MAX_STATS_DAYS} days at once.`, {
      fields: [{ path: 'from', message: `at most ${MAX_STATS_DAYS} days before ${to}` }],
    });
  }
  return { from, to, days };
}

/** The listing's statistics for its owner (or an admin); anyone else is told it was not found. */
export async function listingStats(
  ctx: Ctx,
  listingId: string,
  query: { from?: string | undefined; to?: string | undefined },
  now = new Date(),
): Promise<ListingStatsView> {
  const actor = requireActor(ctx);
  const { from, to, days } = rangeOf(query, now);
  const [listing] = await ctx.db
    .select({ ownerId: listings.ownerId })
    .from(listings)
    .where(eq(listings.id, listingId));
  if (!listing || (listing.ownerId !== actor.userId && !can(ctx, 'listings.manage'))) {
    throw new NotFound('listing');
  }
  const viewed = await ctx.db
    .select({ day: listingViews.day, views: count() })
    .from(listingViews)
    .where(and(eq(listingViews.listingId, listingId), between(listingViews.day, from, to)))
    .groupBy(listingViews.day);
  const [saved] = await ctx.db
    .select({ n: count() })
    .from(favorites)
    .where(eq(favorites.listingId, listingId));
  const [asked] = await ctx.db
    .select({ n: count() })
    .from(inquiries)
    .where(
      and(
        eq(inquiries.listingId, listingId),
        gte(inquiries.createdAt, new Date(Date.parse(from))),
        lt(inquiries.createdAt, new Date(Date.parse(dayAfter(to)))),
      ),
    );
  const byDay = new Map(viewed.map((row) => [row.day, row.views]));
  const daily = Array.from({ length: days }, (_, i) => {
    const date = dayAfter(from, i);
    return { date, views: byDay.get(date) ?? 0 };
  });
  return {
    listingId,
    from,
    to,
    views: daily.reduce((sum, day) => sum + day.views, 0),
    favorites: saved?.n ?? 0,
    inquiries: asked?.n ?? 0,
    daily,
  };
}

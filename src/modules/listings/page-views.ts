import type { Ctx } from '../../platform/core/context.ts';
import { hmacSha256, toHex } from '../../platform/crypto.ts';
import { listingViews } from './tables.ts';
import { isPublicStatus, type ListingStatus } from './vocabulary.ts';

/** Counting who looks at a listing: once per viewer and day, and nothing personal kept. */

/** The UTC date of `at`, as the `day` column holds it. */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/**
 * A user by id; a guest by their address and user agent, hashed under a server key. The day
 * goes into the hash too, so a guest's views on different days cannot be linked together.
 */
async function viewerOf(ctx: Ctx, day: string): Promise<string> {
  if (ctx.actor) return `u:${ctx.actor.userId}`;
  const digest = await hmacSha256(
    `mercato-views:${ctx.config.jwtSecret}`,
    `${day}\n${ctx.client?.ip ?? ''}\n${ctx.client?.userAgent ?? ''}`,
  );
  return `g:${toHex(digest).slice(0, 32)}`;
}

/**
 * Counts the caller's look at a listing on the market, unless they own it; a second look the
 * same (UTC) day changes nothing. Counting is a side matter: a failure is logged, never thrown,
 * so the listing is still shown.
 */
export async function recordView(
  ctx: Ctx,
  listing: { id: string; ownerId: string; status: ListingStatus },
  now = new Date(),
): Promise<void> {
  if (!isPublicStatus(listing.status) || ctx.actor?.userId === listing.ownerId) return;
  const day = utcDay(now);
  try {
    await ctx.db
      .insert(listingViews)
      .values({ listingId: listing.id, day, viewer: await viewerOf(ctx, day) })
      .onConflictDoNothing();
  } catch (error) {
    ctx.log.warn({ err: error, listingId: listing.id }, 'could not record a listing view');
  }
}

import { and, count, eq, gt, inArray, ne, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Ctx } from '../../platform/core/context.ts';
import { can } from '../../platform/core/permissions.ts';
import { accountStanding, pendingRoles } from '../identity/index.ts';
import { descriptionDigest, listingPhotos, listings } from './tables.ts';
import type { Listed } from './views.ts';
import { type ModerationRule, PUBLIC_STATUSES, type ReviewFlag } from './vocabulary.ts';

/**
 * The rules that send a listing to review instead of the market when it is published. Each is
 * code with a name; its reason (null when it does not fire) is what the moderator reads. Each
 * costs at most one indexed query, as every publish runs them all.
 */
export interface Rule {
  readonly name: ModerationRule;
  readonly check: (ctx: Ctx, listing: Listed) => Promise<string | null>;
}

/** Fewer listings like it than this say nothing about its usual price. */
export const MIN_PRICE_COMPARABLES = 5;
/** The median is of the newest this many, so a big city's market costs no more to price. */
const MAX_PRICE_COMPARABLES = 1000;

const HOUR_MS = 3_600_000;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** An amount in minor units as people write it: 1250000 ETB is 12,500.00 ETB. */
function money(amount: number, currency: string): string {
  const digits =
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits ?? 2;
  const number = new Intl.NumberFormat('en', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(amount / 10 ** digits);
  return `${number} ${currency}`;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `word` standing alone: no letter, digit or underscore of any script right before or after. */
const wholeWord = (word: string) =>
  new RegExp(`(?<![\\p{L}\\p{M}\\p{N}_])${escapeRegExp(word)}(?![\\p{L}\\p{M}\\p{N}_])`, 'iu');

export const newAccount: Rule = {
  name: 'new_account',
  async check(ctx, listing) {
    const hours = ctx.config.moderation.newAccountHours;
    if (hours === 0) return null;
    const { createdAt } = await accountStanding(ctx.db, listing.ownerId);
    const age = Date.now() - createdAt.getTime();
    if (age >= hours * HOUR_MS) return null;
    const old = age < HOUR_MS ? 'less than an hour' : plural(Math.floor(age / HOUR_MS), 'hour');
    return `The account is ${old} old; accounts younger than ${plural(hours, 'hour')} are reviewed.`;
  },
};

export const unverifiedAccount: Rule = {
  name: 'unverified_account',
  async check(ctx, listing) {
    if (!ctx.config.moderation.reviewUnverified) return null;
    const { verified } = await accountStanding(ctx.db, listing.ownerId);
    return verified ? null : 'The account has not verified an email address or phone number.';
  },
};

export const unverifiedProfessional: Rule = {
  name: 'unverified_professional',
  async check(ctx, listing) {
    if (can(ctx, 'listings.create')) return null;
    const pending = await pendingRoles(ctx.db, listing.ownerId);
    const role = pending.find((r) => r === 'agent' || r === 'broker');
    return role ? `The ${role} role still waits for its KYC check.` : null;
  },
};

export const listingBurst: Rule = {
  name: 'listing_burst',
  async check(ctx, listing) {
    const max = ctx.config.moderation.maxListingsPerHour;
    const [row] = await ctx.db
      .select({ n: count() })
      .from(listings)
      .where(
        and(
          eq(listings.ownerId, listing.ownerId),
          gt(listings.createdAt, new Date(Date.now() - HOUR_MS)),
        ),
      );
    const n = row?.n ?? 0;
    if (n <= max) return null;
    return `The account created ${plural(n, 'listing')} in the last hour; more than ${max} are reviewed.`;
  },
};

export const duplicatePhoto: Rule = {
  name: 'duplicate_photo',
  async check(ctx, listing) {
    const other = alias(listingPhotos, 'other');
    const [copy] = await ctx.db
      .select({ listingId: other.ownerId })
      .from(listingPhotos)
      .innerJoin(other, eq(other.sha256, listingPhotos.sha256))
      .innerJoin(listings, eq(listings.id, other.ownerId))
      .where(and(eq(listingPhotos.ownerId, listing.id), ne(listings.ownerId, listing.ownerId)))
      .limit(1);
    return copy ? `The same photo is on another account's listing ${copy.listingId}.` : null;
  },
};

export const duplicateText: Rule = {
  name: 'duplicate_text',
  async check(ctx, listing) {
    const [copy] = await ctx.db
      .select({ id: listings.id })
      .from(listings)
      .where(
        and(
          // The indexed expression on both sides: the index finds the copies.
          sql`${descriptionDigest(listings.description)} = ${descriptionDigest(listing.description)}`,
          ne(listings.ownerId, listing.ownerId),
          ne(listings.status, 'draft'),
        ),
      )
      .limit(1);
    return copy ? `The same description is on another account's listing ${copy.id}.` : null;
  },
};

export const priceOutlier: Rule = {
  name: 'price_outlier',
  async check(ctx, listing) {
    const factor = ctx.config.moderation.priceFactor;
    const comparables = ctx.db
      .select({ price: listings.priceAmount })
      .from(listings)
      .where(
        and(
          sql`lower(${listings.city}) = lower(${listing.city})`,
          inArray(listings.status, [...PUBLIC_STATUSES]),
          eq(listings.kind, listing.kind),
          eq(listings.purpose, listing.purpose),
          sql`${listings.rentPeriod} is not distinct from ${listing.rentPeriod}`,
          eq(listings.priceCurrency, listing.priceCurrency),
          ne(listings.id, listing.id),
        ),
      )
      .orderBy(sql`${listings.publishedAt} desc nulls last`)
      .limit(MAX_PRICE_COMPARABLES)
      .as('comparables');
    const [row] = await ctx.db
      .select({
        n: count(),
        median: sql<
          number | null
        >`percentile_cont(0.5) within group (order by ${comparables.price})`,
      })
      .from(comparables);
    const n = row?.n ?? 0;
    const median = row?.median == null ? null : Number(row.median);
    if (n < MIN_PRICE_COMPARABLES || median === null) return null;
    const price = listing.priceAmount;
    const direction = price > median * factor ? 'above' : price < median / factor ? 'below' : null;
    if (!direction) return null;
    const what = `${listing.kind === 'property' ? 'properties' : 'vehicles'} for ${listing.purpose}`;
    return (
      `The price ${money(price, listing.priceCurrency)} is more than ${factor} times ${direction} ` +
      `the median ${money(Math.round(median), listing.priceCurrency)} of ${n} ${what} in ${listing.city}.`
    );
  },
};

export const bannedWords: Rule = {
  name: 'banned_words',
  async check(ctx, listing) {
    const text = `${listing.title}\n${listing.description}`;
    const found = ctx.config.moderation.bannedWords.filter((word) => wholeWord(word).test(text));
    if (found.length === 0) return null;
    return `The title or description has banned words: ${found.map((w) => `"${w}"`).join(', ')}.`;
  },
};

/** In the order of MODERATION_RULES, which is the order moderators read the flags in. */
const rules: readonly Rule[] = [
  newAccount,
  unverifiedAccount,
  unverifiedProfessional,
  listingBurst,
  duplicatePhoto,
  duplicateText,
  priceOutlier,
  bannedWords,
];

/** What fired for this listing, in rule order; empty: it may go live. */
export async function reviewFlags(ctx: Ctx, listing: Listed): Promise<ReviewFlag[]> {
  const flags: ReviewFlag[] = [];
  for (const rule of rules) {
    const reason = await rule.check(ctx, listing);
    if (reason) flags.push({ rule: rule.name, reason });
  }
  return flags;
}

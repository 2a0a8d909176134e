import type { Schedule } from '../../platform/module.ts';
import { endFeatures, expireListings } from './lifecycle.ts';
import { matchSavedSearches } from './saved-searches.ts';

const EVERY_MINUTE = '0 * * * * *';

/** The listings module's timed work: expiries, features that ran out, saved-search alerts. */
export const listingSchedules: readonly Schedule[] = [
  { name: 'listings.end-features', cron: EVERY_MINUTE, run: endFeatures },
  { name: 'listings.expire', cron: EVERY_MINUTE, run: expireListings },
  { name: 'listings.match-saved-searches', cron: EVERY_MINUTE, run: matchSavedSearches },
];

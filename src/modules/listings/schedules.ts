import type { Schedule } from '../../platform/module.ts';

/** The listings module's timed work: expiries, features that ran out, saved-search alerts. */
export const listingSchedules: readonly Schedule[] = [];

/** The states of reviews and what reports say. Columns hold text: a new value needs no migration. */

export const REVIEW_STATUSES = ['visible', 'hidden'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export const REVIEW_REPORT_REASONS = ['spam', 'offensive', 'fake', 'off_topic', 'other'] as const;

/** A review may carry this many photos. */
export const MAX_REVIEW_PHOTOS = 5;
/** Its author may edit it this long after writing it. */
export const REVIEW_EDIT_DAYS = 30;

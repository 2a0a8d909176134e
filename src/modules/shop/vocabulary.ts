/**
 * The shop marketplace's states. Columns hold text: adding a value is a code change, never a
 * migration.
 */

/** A new shop waits for an admin; only an active shop sells. */
export const SHOP_STATUSES = ['pending', 'active', 'suspended'] as const;
export type ShopStatus = (typeof SHOP_STATUSES)[number];

/** A seller's own choice; an admin's disabling is apart from it (`disabled_at`). */
export const PRODUCT_STATUSES = ['draft', 'active', 'archived'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

/** The option names a product may declare (size, color...), and the values of each. */
export const MAX_OPTIONS = 3;
export const MAX_OPTION_VALUES = 50;
export const MAX_VARIANTS = 100;
export const MAX_IMAGES = 20;
/** The most a variant's stock may count, by an absolute value or an adjustment alike. */
export const MAX_STOCK = 1_000_000_000;

/** How deep the category tree goes (a root is depth 1). */
export const MAX_CATEGORY_DEPTH = 6;

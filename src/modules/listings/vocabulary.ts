/**
 * The controlled vocabularies of listings: what clients may send and search by. Adding a value
 * is a code change (and a line in the API reference), never a migration: columns hold text.
 */

export const LISTING_KINDS = ['property', 'vehicle'] as const;
export type ListingKind = (typeof LISTING_KINDS)[number];

export const PURPOSES = ['sale', 'rent'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const RENT_PERIODS = ['day', 'week', 'month', 'year'] as const;

export const LISTING_STATUSES = [
  'draft',
  'pending_review',
  'active',
  'under_offer',
  'sold',
  'rented',
  'expired',
  'archived',
  'rejected',
] as const;
export type ListingStatus = (typeof LISTING_STATUSES)[number];

/** What anyone may see and search: a listing on the market, an offer pending included. */
export const PUBLIC_STATUSES = ['active', 'under_offer'] as const satisfies ListingStatus[];

export const isPublicStatus = (status: ListingStatus) =>
  (PUBLIC_STATUSES as readonly ListingStatus[]).includes(status);

export const PROPERTY_TYPES = [
  'apartment',
  'house',
  'condo',
  'townhouse',
  'villa',
  'penthouse',
  'studio',
  'land',
  'commercial',
  'office',
] as const;

/** What the unit itself has. */
export const PROPERTY_FEATURES = [
  'air_conditioning',
  'balcony',
  'built_in_wardrobes',
  'city_view',
  'fireplace',
  'garden',
  'heating',
  'laundry_room',
  'maid_room',
  'modern_kitchen',
  'mountain_view',
  'pet_friendly',
  'sea_view',
  'solar_water_heater',
  'storage_room',
  'terrace',
  'walk_in_closet',
  'wheelchair_accessible',
] as const;

/** What the building or compound offers its residents. */
export const PROPERTY_AMENITIES = [
  'backup_generator',
  'cctv',
  'concierge',
  'elevator',
  'gated_compound',
  'gym',
  'internet',
  'parking_garage',
  'playground',
  'security_guard',
  'swimming_pool',
  'water_tank',
] as const;

export const VEHICLE_CATEGORIES = [
  'car',
  'motorcycle',
  'truck',
  'van',
  'bus',
  'heavy_equipment',
] as const;

export const FUELS = [
  'petrol',
  'diesel',
  'hybrid',
  'plug_in_hybrid',
  'electric',
  'lpg',
  'cng',
] as const;

export const TRANSMISSIONS = ['manual', 'automatic', 'semi_automatic', 'cvt'] as const;

export const BODY_TYPES = [
  'sedan',
  'hatchback',
  'suv',
  'crossover',
  'pickup',
  'coupe',
  'convertible',
  'wagon',
  'minivan',
  'van',
  'bus',
  'truck',
  'motorcycle',
  'other',
] as const;

export const CONDITIONS = ['new', 'used'] as const;

export const MAX_PHOTOS = 30;

export const INQUIRY_STATUSES = ['new', 'read', 'replied', 'archived'] as const;
export type InquiryStatus = (typeof INQUIRY_STATUSES)[number];

export const REPORT_REASONS = [
  'spam',
  'fraud',
  'duplicate',
  'wrong_category',
  'offensive',
  'unavailable',
  'other',
] as const;

export const ALERT_FREQUENCIES = ['instant', 'daily', 'weekly'] as const;

/** The moderation rules, by name; each flag says why its rule fired. */
export const MODERATION_RULES = [
  'new_account',
  'unverified_account',
  'unverified_professional',
  'listing_burst',
  'duplicate_photo',
  'duplicate_text',
  'price_outlier',
  'banned_words',
  'reports',
  'previously_rejected',
] as const;
export type ModerationRule = (typeof MODERATION_RULES)[number];

export interface ReviewFlag {
  rule: ModerationRule;
  reason: string;
}

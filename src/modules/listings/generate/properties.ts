import { minorUnits } from '../../../platform/core/money.ts';
import {
  between,
  intBetween,
  pick,
  type Random,
  roundPrice,
  someOf,
  weighted,
} from '../../../platform/demo/random.ts';
import type { ListingInput } from '../schemas.ts';
import {
  PROPERTY_AMENITIES,
  PROPERTY_FEATURES,
  type PROPERTY_TYPES,
  type Purpose,
} from '../vocabulary.ts';
import { capitalised, label, listed, ordinal, type RentPeriod, THIS_YEAR } from './common.ts';
import { locationIn, marketOf, type Place } from './markets.ts';

/** Generated properties: types, sizes and prices as each city has them. */

type PropertyType = (typeof PROPERTY_TYPES)[number];

const PROPERTY_MIX: Record<PropertyType, number> = {
  apartment: 34,
  house: 14,
  condo: 8,
  townhouse: 7,
  villa: 6,
  penthouse: 3,
  studio: 9,
  land: 8,
  commercial: 6,
  office: 5,
};

/** Floor area (m²) and bedrooms by type; land has neither, a studio no separate bedroom. */
const PROPERTY_SIZES: Record<
  PropertyType,
  { area: [number, number]; bedrooms?: [number, number] }
> = {
  apartment: { area: [45, 180], bedrooms: [1, 4] },
  house: { area: [90, 350], bedrooms: [2, 6] },
  condo: { area: [40, 140], bedrooms: [1, 3] },
  townhouse: { area: [110, 260], bedrooms: [2, 5] },
  villa: { area: [220, 650], bedrooms: [3, 7] },
  penthouse: { area: [150, 400], bedrooms: [2, 5] },
  studio: { area: [22, 45], bedrooms: [0, 0] },
  land: { area: [0, 0] },
  commercial: { area: [60, 1_200] },
  office: { area: [35, 900] },
};

/** Floor area per bedroom, living space and kitchen included. */
const M2_PER_BEDROOM: [number, number] = [32, 55];

/** Relative price per m², so a villa costs more per metre than a studio. */
const PRICE_FACTOR: Record<PropertyType, number> = {
  apartment: 1,
  house: 0.9,
  condo: 1,
  townhouse: 0.95,
  villa: 1.25,
  penthouse: 1.6,
  studio: 1.1,
  land: 0.25,
  commercial: 1.2,
  office: 1.1,
};

const ON_A_FLOOR: readonly PropertyType[] = ['apartment', 'condo', 'penthouse', 'studio', 'office'];
const WITH_LOT: readonly PropertyType[] = ['house', 'townhouse', 'villa', 'land'];

/** What a month's rent is multiplied by for each period. */
const RENT_SCALE: Record<RentPeriod, number> = { day: 0.06, week: 0.3, month: 1, year: 11 };

const ADJECTIVES = ['Bright', 'Spacious', 'Modern', 'Quiet', 'Renovated', 'Cosy', 'Elegant'];

const PROPERTY_EXTRAS = [
  'Close to schools, shops and public transport.',
  'On a quiet street, five minutes from the main road.',
  'Freshly painted and ready to move in.',
  'Bright rooms with large windows on two sides.',
  'Suits a family or professionals sharing.',
  'Water and power connected, with a reserve tank.',
  'Viewing by appointment, evenings and weekends too.',
  'Walking distance to cafés, a supermarket and a pharmacy.',
];
const SALE_EXTRAS = [
  'Title deed ready for transfer.',
  'Serious buyers only; the price is slightly negotiable.',
  'Bank financing possible.',
];
const RENT_EXTRAS: Record<RentPeriod, readonly string[]> = {
  day: ['Minimum stay of three nights; cleaning and linen included.', 'Wi-Fi and water included.'],
  week: ['Weekly cleaning included.', 'Utilities included.'],
  month: [
    'Two months of deposit; utilities not included.',
    'Available from the first of the month.',
  ],
  year: ['Paid yearly in advance; a lease of at least one year.', 'Service charge included.'],
};

export function propertyListing(random: Random, place: Place, purpose: Purpose): ListingInput {
  const { city, neighbourhood } = place;
  const market = marketOf(city);
  let type = weighted(random, PROPERTY_MIX);
  // Land is sold, not let.
  if (purpose === 'rent' && type === 'land') type = 'apartment';
  const size = PROPERTY_SIZES[type];
  const floorAreaM2 = type === 'land' ? null : intBetween(random, ...size.area);
  const bedrooms = size.bedrooms
    ? Math.min(
        size.bedrooms[1],
        Math.max(
          size.bedrooms[0],
          Math.round((floorAreaM2 ?? 0) / between(random, ...M2_PER_BEDROOM)),
        ),
      )
    : null;
  const lotSizeM2 = WITH_LOT.includes(type)
    ? Math.round(
        (floorAreaM2 ?? 0) * between(random, 1.2, 3) +
          (type === 'land' ? between(random, 200, 2_000) : 0),
      )
    : null;
  const bathrooms =
    bedrooms === null
      ? type === 'land'
        ? null
        : intBetween(random, 1, 4)
      : Math.max(1, Math.min(bedrooms + 1, Math.round(between(random, 1, bedrooms + 1.5) * 2) / 2));
  const floor = ON_A_FLOOR.includes(type)
    ? type === 'penthouse'
      ? intBetween(random, 8, 30)
      : intBetween(random, 0, 14)
    : null;
  const built = type === 'land' ? null : intBetween(random, 1965, THIS_YEAR);
  const features =
    type === 'land'
      ? []
      : someOf(
          random,
          PROPERTY_FEATURES.filter((f) => f !== 'sea_view' || market.coastal),
          type === 'villa' ? 7 : 4,
        );
  const amenities =
    type === 'land' || type === 'house' ? [] : someOf(random, PROPERTY_AMENITIES, 4);
  const rentPeriod: RentPeriod | null =
    purpose === 'rent'
      ? type === 'commercial' || type === 'office'
        ? weighted(random, { month: 3, year: 2 })
        : weighted(random, { day: 1, week: 1, month: 8, year: 1 })
      : null;
  const furnished =
    type === 'land' ? null : rentPeriod === 'day' || rentPeriod === 'week' ? true : random() < 0.4;

  const metres = floorAreaM2 ?? lotSizeM2 ?? 100;
  const perM2 =
    purpose === 'sale'
      ? market.perM2.sale
      : market.perM2.rentMonth * RENT_SCALE[rentPeriod ?? 'month'];
  const price = roundPrice(metres * perM2 * PRICE_FACTOR[type] * between(random, 0.7, 1.4));

  const typeName = label(type);
  const rooms = bedrooms ? `${bedrooms}-bedroom ` : '';
  const adjective = pick(random, ADJECTIVES);
  const title =
    type === 'land'
      ? `${lotSizeM2?.toLocaleString('en')} m² plot in ${neighbourhood.name}`
      : type === 'commercial' || type === 'office'
        ? `${capitalised(typeName)} space of ${floorAreaM2} m² in ${neighbourhood.name}`
        : rentPeriod === 'day' || rentPeriod === 'week'
          ? `Furnished ${rooms}${typeName} in ${neighbourhood.name}, short stays`
          : `${adjective} ${rooms}${typeName} ${purpose === 'rent' ? 'for rent' : 'for sale'} in ${neighbourhood.name}`;

  const description = [
    type === 'land'
      ? `A plot of ${lotSizeM2?.toLocaleString('en')} m² in ${neighbourhood.name}, ${city.name}, with road access.`
      : `${capitalised(`${rooms}${typeName}`)} of ${floorAreaM2} m² in ${neighbourhood.name}, ${city.name}${floor === null ? '' : floor === 0 ? ', on the ground floor' : `, on the ${ordinal(floor)} floor`}.`,
    features.length > 0 ? `It has ${listed(features)}.` : '',
    amenities.length > 0 ? `The building offers ${listed(amenities)}.` : '',
    pick(random, PROPERTY_EXTRAS),
    purpose === 'sale'
      ? pick(random, SALE_EXTRAS)
      : pick(random, RENT_EXTRAS[rentPeriod ?? 'month']),
  ]
    .filter(Boolean)
    .join(' ');

  return {
    kind: 'property',
    purpose,
    rentPeriod,
    title,
    description,
    price: { amount: minorUnits(price, city.currency), currency: city.currency },
    location: locationIn(random, place),
    property: {
      type,
      bedrooms,
      bathrooms,
      floorAreaM2,
      lotSizeM2,
      yearBuilt: built,
      floor,
      parkingSpaces: type === 'land' ? null : intBetween(random, 0, type === 'villa' ? 4 : 2),
      furnished,
      features,
      amenities,
    },
  };
}

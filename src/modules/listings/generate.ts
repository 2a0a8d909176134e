import { v7 as uuidv7 } from 'uuid';
import { columnsOf } from './listings.ts';
import type { ListingInput } from './schemas.ts';
import type { listings } from './tables.ts';
import {
  type BODY_TYPES,
  type FUELS,
  type ListingKind,
  PROPERTY_AMENITIES,
  PROPERTY_FEATURES,
  type PROPERTY_TYPES,
  type Purpose,
  type RENT_PERIODS,
  type TRANSMISSIONS,
  type VEHICLE_CATEGORIES,
} from './vocabulary.ts';

/**
 * Plausible listings in the four demo cities: the demo data and the bulk loader (`make seed
 * ARGS="--listings N"`, the load benchmark) draw from here. Generation is deterministic for a
 * given seed, so two benchmark runs search the same rows.
 */

/** A seeded PRNG (mulberry32): fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Random = () => number;

const between = (random: Random, min: number, max: number) => min + random() * (max - min);
const intBetween = (random: Random, min: number, max: number) =>
  Math.floor(between(random, min, max + 1));

function pick<T>(random: Random, values: readonly T[]): T {
  const value = values[Math.floor(random() * values.length)];
  if (value === undefined) throw new Error('pick from an empty list');
  return value;
}

/** One of `weights`' keys, each as likely as its weight. */
function weighted<K extends string>(random: Random, weights: Readonly<Record<K, number>>): K {
  const entries = Object.entries(weights) as [K, number][];
  let left = random() * entries.reduce((sum, [, w]) => sum + w, 0);
  for (const [key, weight] of entries) {
    left -= weight;
    if (left < 0) return key;
  }
  return (entries.at(-1) as [K, number])[0];
}

/** Up to `max` distinct values, in vocabulary order. */
function someOf<T>(random: Random, values: readonly T[], max: number): T[] {
  const wanted = intBetween(random, 0, max);
  const chosen = new Set<T>();
  while (chosen.size < wanted) chosen.add(pick(random, values));
  return values.filter((v) => chosen.has(v));
}

/** Rounds a price to about three significant digits, as people price things. */
function roundPrice(value: number): number {
  const step = 10 ** Math.max(0, Math.floor(Math.log10(value)) - 2);
  return Math.max(step, Math.round(value / step) * step);
}

interface Neighbourhood {
  name: string;
  lat: number;
  lng: number;
}

export interface City {
  name: string;
  region: string;
  countryCode: string;
  currency: string;
  lat: number;
  lng: number;
  neighbourhoods: readonly Neighbourhood[];
  streets: readonly string[];
  postalCode?: (random: Random) => string;
  /** Typical asking prices per m² of floor area, in major units. */
  perM2: { sale: number; rentMonth: number };
  /** What a vehicle worth one US dollar new costs here, duties included, in major units. */
  perUsd: number;
  /** By the sea, so a sea view is possible. */
  coastal?: boolean;
  /** How often each vehicle category is listed here. */
  vehicleMix: Readonly<Record<(typeof VEHICLE_CATEGORIES)[number], number>>;
}

export const CITIES: readonly City[] = [
  {
    name: 'Addis Ababa',
    region: 'Addis Ababa',
    countryCode: 'ET',
    currency: 'ETB',
    lat: 9.0108,
    lng: 38.7613,
    neighbourhoods: [
      { name: 'Bole', lat: 8.9959, lng: 38.7866 },
      { name: 'Kazanchis', lat: 9.0166, lng: 38.7659 },
      { name: 'Piassa', lat: 9.0355, lng: 38.7525 },
      { name: 'Old Airport', lat: 8.9935, lng: 38.7285 },
      { name: 'CMC', lat: 9.0227, lng: 38.8421 },
      { name: 'Gerji', lat: 9.0, lng: 38.81 },
      { name: 'Sar Bet', lat: 8.9975, lng: 38.742 },
      { name: 'Ayat', lat: 9.032, lng: 38.878 },
    ],
    streets: [
      'Bole Road',
      'Africa Avenue',
      'Churchill Avenue',
      'Haile Gebre Selassie Road',
      'Cameroon Street',
      'Djibouti Street',
      'Namibia Street',
      'Ring Road',
    ],
    perM2: { sale: 90_000, rentMonth: 450 },
    perUsd: 380,
    vehicleMix: { car: 60, motorcycle: 8, truck: 10, van: 12, bus: 5, heavy_equipment: 5 },
  },
  {
    name: 'Nairobi',
    region: 'Nairobi County',
    countryCode: 'KE',
    currency: 'KES',
    lat: -1.2864,
    lng: 36.8172,
    neighbourhoods: [
      { name: 'Westlands', lat: -1.2676, lng: 36.8108 },
      { name: 'Kilimani', lat: -1.2906, lng: 36.7846 },
      { name: 'Kileleshwa', lat: -1.278, lng: 36.78 },
      { name: 'Lavington', lat: -1.28, lng: 36.77 },
      { name: 'Karen', lat: -1.319, lng: 36.7076 },
      { name: 'Runda', lat: -1.218, lng: 36.813 },
      { name: 'Parklands', lat: -1.26, lng: 36.82 },
      { name: 'South B', lat: -1.31, lng: 36.84 },
    ],
    streets: [
      'Waiyaki Way',
      'Argwings Kodhek Road',
      'Ngong Road',
      'Riverside Drive',
      'James Gichuru Road',
      'Lenana Road',
      'Mombasa Road',
      'Kiambu Road',
    ],
    postalCode: (random) => pick(random, ['00100', '00200', '00502', '00600', '00800']),
    perM2: { sale: 160_000, rentMonth: 900 },
    perUsd: 210,
    vehicleMix: { car: 62, motorcycle: 12, truck: 9, van: 9, bus: 5, heavy_equipment: 3 },
  },
  {
    name: 'Ho Chi Minh City',
    region: 'Ho Chi Minh City',
    countryCode: 'VN',
    currency: 'VND',
    lat: 10.7769,
    lng: 106.7009,
    neighbourhoods: [
      { name: 'District 1', lat: 10.7769, lng: 106.7009 },
      { name: 'District 3', lat: 10.7843, lng: 106.6844 },
      { name: 'Thao Dien', lat: 10.803, lng: 106.737 },
      { name: 'Binh Thanh', lat: 10.8106, lng: 106.7091 },
      { name: 'Phu My Hung', lat: 10.729, lng: 106.719 },
      { name: 'Phu Nhuan', lat: 10.799, lng: 106.68 },
      { name: 'Thu Duc', lat: 10.849, lng: 106.772 },
      { name: 'Go Vap', lat: 10.838, lng: 106.665 },
    ],
    streets: [
      'Nguyễn Huệ',
      'Lê Lợi',
      'Điện Biên Phủ',
      'Nguyễn Văn Hưởng',
      'Xa lộ Hà Nội',
      'Nguyễn Văn Linh',
      'Phan Xích Long',
      'Võ Văn Tần',
    ],
    postalCode: () => '700000',
    perM2: { sale: 70_000_000, rentMonth: 250_000 },
    perUsd: 32_000,
    vehicleMix: { car: 40, motorcycle: 45, truck: 5, van: 5, bus: 2, heavy_equipment: 3 },
  },
  {
    name: 'Lisbon',
    region: 'Lisboa',
    countryCode: 'PT',
    currency: 'EUR',
    lat: 38.7223,
    lng: -9.1393,
    neighbourhoods: [
      { name: 'Alfama', lat: 38.7118, lng: -9.13 },
      { name: 'Baixa', lat: 38.711, lng: -9.137 },
      { name: 'Chiado', lat: 38.7107, lng: -9.142 },
      { name: 'Príncipe Real', lat: 38.717, lng: -9.149 },
      { name: 'Avenidas Novas', lat: 38.737, lng: -9.145 },
      { name: 'Parque das Nações', lat: 38.768, lng: -9.094 },
      { name: 'Campo de Ourique', lat: 38.718, lng: -9.164 },
      { name: 'Alvalade', lat: 38.753, lng: -9.142 },
    ],
    streets: [
      'Rua Augusta',
      'Avenida da Liberdade',
      'Rua da Escola Politécnica',
      'Avenida da República',
      'Rua Ferreira Borges',
      'Avenida de Roma',
      'Rua de São Bento',
      'Alameda dos Oceanos',
    ],
    postalCode: (random) =>
      `1${intBetween(random, 100, 990)}-${String(intBetween(random, 1, 999)).padStart(3, '0')}`,
    perM2: { sale: 6_000, rentMonth: 22 },
    perUsd: 1.2,
    coastal: true,
    vehicleMix: { car: 70, motorcycle: 12, truck: 5, van: 9, bus: 2, heavy_equipment: 2 },
  },
];

const cityNamed = (name: string) => CITIES.find((c) => c.name === name);

/** Major units to minor units, by the currency's own number of decimals (none for VND). */
export function minorUnits(amount: number, currency: string): number {
  let digits = decimals.get(currency);
  if (digits === undefined) {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
        .maximumFractionDigits ?? 2;
    decimals.set(currency, digits);
  }
  return Math.round(amount * 10 ** digits);
}

const decimals = new Map<string, number>();

type PropertyType = (typeof PROPERTY_TYPES)[number];
type RentPeriod = (typeof RENT_PERIODS)[number];

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

const label = (value: string) => (value === 'cvt' ? 'CVT' : value.replaceAll('_', ' '));
const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function listed(values: readonly string[]): string {
  const words = values.map(label);
  return words.length <= 1
    ? (words[0] ?? '')
    : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`;
}

function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10];
  return `${n}${suffix ?? 'th'}`;
}

interface Place {
  city: City;
  neighbourhood: Neighbourhood;
}

/** Somewhere in the neighbourhood: within 3 km of its centre, more often near it. */
function locationIn(random: Random, { city, neighbourhood }: Place): ListingInput['location'] {
  const km = 3 * random();
  const angle = random() * 2 * Math.PI;
  const lat = neighbourhood.lat + (km / 111.32) * Math.cos(angle);
  const lng =
    neighbourhood.lng +
    (km / (111.32 * Math.cos((neighbourhood.lat * Math.PI) / 180))) * Math.sin(angle);
  return {
    address: `${pick(random, city.streets)}, ${neighbourhood.name}`,
    city: city.name,
    region: city.region,
    countryCode: city.countryCode,
    postalCode: city.postalCode?.(random) ?? null,
    lat: Number(lat.toFixed(6)),
    lng: Number(lng.toFixed(6)),
  };
}

export interface ListingShape {
  city?: string;
  kind?: ListingKind;
  purpose?: Purpose;
}

const THIS_YEAR = new Date().getUTCFullYear();

function propertyListing(random: Random, place: Place, purpose: Purpose): ListingInput {
  const { city, neighbourhood } = place;
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
          PROPERTY_FEATURES.filter((f) => f !== 'sea_view' || city.coastal),
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
    purpose === 'sale' ? city.perM2.sale : city.perM2.rentMonth * RENT_SCALE[rentPeriod ?? 'month'];
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

type Category = (typeof VEHICLE_CATEGORIES)[number];
type Fuel = (typeof FUELS)[number];
type Transmission = (typeof TRANSMISSIONS)[number];
type BodyType = (typeof BODY_TYPES)[number];

interface Model {
  make: string;
  model: string;
  category: Category;
  bodyType: BodyType;
  fuel: Fuel;
  transmission: Transmission;
  engineCc: number | null;
  /** New, in US dollars. */
  usd: number;
  trims?: readonly string[];
  /** Where it is sold; everywhere when absent. */
  cities?: readonly string[];
}

const m = (
  make: string,
  model: string,
  category: Category,
  bodyType: BodyType,
  fuel: Fuel,
  transmission: Transmission,
  engineCc: number | null,
  usd: number,
  more: Pick<Model, 'trims' | 'cities'> = {},
): Model => ({ make, model, category, bodyType, fuel, transmission, engineCc, usd, ...more });

const AFRICA = ['Addis Ababa', 'Nairobi'];

const MODELS: readonly Model[] = [
  m('Toyota', 'Corolla', 'car', 'sedan', 'petrol', 'automatic', 1800, 22_000, {
    trims: ['GLi', 'XLi', 'Altis'],
  }),
  m('Toyota', 'Yaris', 'car', 'hatchback', 'petrol', 'automatic', 1300, 16_000),
  m('Toyota', 'Vitz', 'car', 'hatchback', 'petrol', 'cvt', 1000, 12_000, { cities: AFRICA }),
  m('Toyota', 'RAV4', 'car', 'suv', 'petrol', 'automatic', 2500, 30_000),
  m('Toyota', 'Land Cruiser Prado', 'car', 'suv', 'diesel', 'automatic', 2800, 55_000, {
    trims: ['TX', 'TX-L', 'VX'],
  }),
  m('Toyota', 'Hilux', 'car', 'pickup', 'diesel', 'manual', 2400, 35_000, {
    trims: ['Single Cab', 'Double Cab'],
  }),
  m('Toyota', 'Prius', 'car', 'hatchback', 'hybrid', 'cvt', 1800, 28_000),
  m('Suzuki', 'Swift', 'car', 'hatchback', 'petrol', 'manual', 1200, 15_000),
  m('Suzuki', 'Dzire', 'car', 'sedan', 'petrol', 'manual', 1200, 13_000, { cities: AFRICA }),
  m('Hyundai', 'Tucson', 'car', 'suv', 'petrol', 'automatic', 2000, 28_000),
  m('Kia', 'Morning', 'car', 'hatchback', 'petrol', 'manual', 1000, 12_000, {
    cities: ['Ho Chi Minh City'],
  }),
  m('Honda', 'City', 'car', 'sedan', 'petrol', 'cvt', 1500, 18_000, {
    cities: ['Ho Chi Minh City', 'Nairobi'],
  }),
  m('Mitsubishi', 'Xpander', 'car', 'minivan', 'petrol', 'automatic', 1500, 20_000, {
    cities: ['Ho Chi Minh City'],
  }),
  m('VinFast', 'VF 8', 'car', 'suv', 'electric', 'automatic', null, 45_000, {
    cities: ['Ho Chi Minh City'],
  }),
  m('Nissan', 'X-Trail', 'car', 'suv', 'petrol', 'cvt', 2500, 29_000),
  m('Subaru', 'Forester', 'car', 'suv', 'petrol', 'cvt', 2000, 30_000, { cities: ['Nairobi'] }),
  m('Mazda', 'CX-5', 'car', 'crossover', 'petrol', 'automatic', 2000, 29_000),
  m('Mercedes-Benz', 'C 200', 'car', 'sedan', 'petrol', 'automatic', 2000, 48_000),
  m('Volkswagen', 'Golf', 'car', 'hatchback', 'petrol', 'manual', 1400, 27_000, {
    cities: ['Lisbon'],
  }),
  m('Renault', 'Clio', 'car', 'hatchback', 'petrol', 'manual', 1000, 19_000, {
    cities: ['Lisbon'],
  }),
  m('Peugeot', '208', 'car', 'hatchback', 'petrol', 'manual', 1200, 20_000, {
    cities: ['Lisbon'],
  }),
  m('Tesla', 'Model 3', 'car', 'sedan', 'electric', 'automatic', null, 42_000, {
    cities: ['Lisbon'],
  }),
  m('BYD', 'Atto 3', 'car', 'crossover', 'electric', 'automatic', null, 38_000),
  m('Honda', 'Wave Alpha', 'motorcycle', 'motorcycle', 'petrol', 'manual', 110, 1_200, {
    cities: ['Ho Chi Minh City'],
  }),
  m('Honda', 'Vision', 'motorcycle', 'motorcycle', 'petrol', 'cvt', 110, 1_300, {
    cities: ['Ho Chi Minh City'],
  }),
  m('Honda', 'SH', 'motorcycle', 'motorcycle', 'petrol', 'cvt', 150, 3_500, {
    cities: ['Ho Chi Minh City'],
  }),
  m('Yamaha', 'Exciter', 'motorcycle', 'motorcycle', 'petrol', 'manual', 150, 2_000, {
    cities: ['Ho Chi Minh City'],
  }),
  m('Yamaha', 'NMAX', 'motorcycle', 'motorcycle', 'petrol', 'cvt', 155, 3_000),
  m('Bajaj', 'Boxer', 'motorcycle', 'motorcycle', 'petrol', 'manual', 150, 1_100, {
    cities: AFRICA,
  }),
  m('TVS', 'HLX 125', 'motorcycle', 'motorcycle', 'petrol', 'manual', 125, 1_000, {
    cities: AFRICA,
  }),
  m('Vespa', 'Primavera', 'motorcycle', 'motorcycle', 'petrol', 'cvt', 125, 5_000, {
    cities: ['Lisbon'],
  }),
  m('BMW', 'R 1250 GS', 'motorcycle', 'motorcycle', 'petrol', 'manual', 1250, 22_000, {
    cities: ['Lisbon', 'Nairobi'],
  }),
  m('Isuzu', 'NPR', 'truck', 'truck', 'diesel', 'manual', 4600, 40_000),
  m('Isuzu', 'FSR', 'truck', 'truck', 'diesel', 'manual', 7800, 60_000, { cities: AFRICA }),
  m('Mitsubishi Fuso', 'Canter', 'truck', 'truck', 'diesel', 'manual', 3900, 38_000),
  m('Sinotruk', 'Howo', 'truck', 'truck', 'diesel', 'manual', 9700, 70_000, { cities: AFRICA }),
  m('Mercedes-Benz', 'Actros', 'truck', 'truck', 'diesel', 'automatic', 12_800, 120_000),
  m('Toyota', 'HiAce', 'van', 'van', 'diesel', 'manual', 2500, 35_000),
  m('Nissan', 'Caravan', 'van', 'van', 'diesel', 'manual', 2500, 30_000, { cities: AFRICA }),
  m('Renault', 'Master', 'van', 'van', 'diesel', 'manual', 2300, 38_000, { cities: ['Lisbon'] }),
  m('Ford', 'Transit', 'van', 'van', 'diesel', 'manual', 2000, 40_000),
  m('Toyota', 'Coaster', 'bus', 'bus', 'diesel', 'manual', 4000, 80_000),
  m('Isuzu', 'Journey', 'bus', 'bus', 'diesel', 'manual', 5200, 70_000, { cities: AFRICA }),
  m('Thaco', 'Town', 'bus', 'bus', 'diesel', 'manual', 3900, 60_000, {
    cities: ['Ho Chi Minh City'],
  }),
  m(
    'Caterpillar',
    '320 excavator',
    'heavy_equipment',
    'other',
    'diesel',
    'automatic',
    6400,
    200_000,
  ),
  m('Komatsu', 'PC200 excavator', 'heavy_equipment', 'other', 'diesel', 'automatic', 6700, 180_000),
  m('JCB', '3CX backhoe loader', 'heavy_equipment', 'other', 'diesel', 'manual', 4400, 100_000),
];

const COLOURS = ['White', 'Silver', 'Black', 'Grey', 'Blue', 'Red', 'Dark green', 'Beige'];

const VEHICLE_EXTRAS = [
  'Full service history.',
  'Accident free, one careful owner.',
  'New tyres and battery.',
  'Papers in order; ready for transfer.',
  'Recently serviced, nothing to fix.',
  'Inspection welcome at any garage.',
  'Price slightly negotiable.',
  'Clean interior, no smokers.',
];
const HIRE_EXTRAS = [
  'Available with or without a driver.',
  'Insurance included; a deposit is required.',
  'Delivered to your site in the city.',
];

function vehicleListing(random: Random, place: Place, purpose: Purpose): ListingInput {
  const { city } = place;
  const category = weighted(random, city.vehicleMix);
  const choices = MODELS.filter(
    (v) => v.category === category && (!v.cities || v.cities.includes(city.name)),
  );
  const model = pick(random, choices);
  const fresh = random() < 0.08;
  const year = fresh ? THIS_YEAR : intBetween(random, 2005, THIS_YEAR - 1);
  const age = THIS_YEAR - year;
  const perYear =
    category === 'motorcycle' ? 6_000 : category === 'heavy_equipment' ? 1_500 : 16_000;
  const mileageKm = fresh
    ? intBetween(random, 0, 50)
    : Math.round(((age + random()) * perYear * between(random, 0.5, 1.4)) / 100) * 100;
  const trim = model.trims && random() < 0.7 ? pick(random, model.trims) : null;
  const rentPeriod: RentPeriod | null =
    purpose === 'rent'
      ? category === 'heavy_equipment' || category === 'truck'
        ? weighted(random, { day: 2, week: 2, month: 1 })
        : weighted(random, { day: 6, week: 2, month: 1 })
      : null;
  const value = model.usd * city.perUsd * 0.85 ** age * between(random, 0.85, 1.15);
  const price =
    rentPeriod === null
      ? roundPrice(value)
      : roundPrice(value * 0.0012 * { day: 1, week: 6, month: 22, year: 240 }[rentPeriod]);
  const name = `${model.make} ${model.model}${trim ? ` ${trim}` : ''}`;
  const transmission = category === 'car' && random() < 0.2 ? 'manual' : model.transmission;
  const condition = fresh ? 'new' : 'used';
  const title =
    purpose === 'rent'
      ? `${name} for hire${rentPeriod === 'day' ? ', by the day' : rentPeriod === 'week' ? ', by the week' : ''}`
      : `${year} ${name}${fresh ? ', brand new' : mileageKm < 60_000 ? ', low mileage' : ''}`;
  const description = [
    `${year} ${name}, ${label(transmission)}, ${label(model.fuel)}${model.engineCc ? `, ${(model.engineCc / 1000).toFixed(1)} L` : ''}, ${mileageKm.toLocaleString('en')} km.`,
    `Seen in ${place.neighbourhood.name}, ${city.name}.`,
    pick(random, VEHICLE_EXTRAS),
    purpose === 'rent' ? pick(random, HIRE_EXTRAS) : '',
  ]
    .filter(Boolean)
    .join(' ');
  return {
    kind: 'vehicle',
    purpose,
    rentPeriod,
    title,
    description,
    price: { amount: minorUnits(price, city.currency), currency: city.currency },
    location: locationIn(random, place),
    vehicle: {
      category,
      make: model.make,
      model: model.model,
      trim,
      year,
      mileageKm,
      fuel: model.fuel,
      transmission,
      bodyType: model.bodyType,
      color: pick(random, COLOURS),
      condition,
      engineCc: model.engineCc,
      vin: null,
    },
  };
}

/** A listing as a lister would send it to POST /listings; `shape` fixes what it must be. */
export function generateListing(random: Random, shape: ListingShape = {}): ListingInput {
  const city = (shape.city ? cityNamed(shape.city) : undefined) ?? pick(random, CITIES);
  const place = { city, neighbourhood: pick(random, city.neighbourhoods) };
  const kind = shape.kind ?? (random() < 0.65 ? 'property' : 'vehicle');
  const purpose =
    shape.purpose ?? (random() < (kind === 'property' ? 0.4 : 0.15) ? 'rent' : 'sale');
  return kind === 'property'
    ? propertyListing(random, place, purpose)
    : vehicleListing(random, place, purpose);
}

export type ListingInsert = typeof listings.$inferInsert;

/**
 * The row a listing input becomes once published, for loading many without the services. The
 * id is a UUIDv7 of its creation time, so ids sort as the rows were made.
 */
function listingRow(
  input: ListingInput,
  row: { ownerId: string; createdAt: Date; publishedAt: Date; featuredUntil: Date | null },
): ListingInsert {
  return {
    ...columnsOf(input),
    id: uuidv7({ msecs: row.createdAt.getTime() }),
    ownerId: row.ownerId,
    status: 'active',
    featuredUntil: row.featuredUntil,
    publishedAt: row.publishedAt,
    createdAt: row.createdAt,
    updatedAt: row.createdAt,
  };
}

const DAY_MS = 86_400_000;

/**
 * `count` published listings over the last half year, spread over the cities and `ownerIds`;
 * about one in thirty is featured for up to a month from `now`.
 */
export function* generateRows(
  random: Random,
  count: number,
  ownerIds: readonly string[],
  now = new Date(),
): Generator<ListingInsert> {
  for (let i = 0; i < count; i++) {
    const input = generateListing(random, { city: CITIES[i % CITIES.length]?.name });
    const publishedAt = new Date(now.getTime() - Math.floor(random() * 180 * DAY_MS));
    const createdAt = new Date(publishedAt.getTime() - Math.floor(random() * 2 * DAY_MS));
    const featuredUntil =
      random() < 1 / 30 ? new Date(now.getTime() + Math.ceil(random() * 30 * DAY_MS)) : null;
    yield listingRow(input, {
      ownerId: pick(random, ownerIds),
      createdAt,
      publishedAt,
      featuredUntil,
    });
  }
}

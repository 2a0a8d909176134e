import type { City, Neighbourhood } from '../../../platform/demo/cities.ts';
import { pick, type Random } from '../../../platform/demo/random.ts';
import type { ListingInput } from '../schemas.ts';
import type { VEHICLE_CATEGORIES } from '../vocabulary.ts';

/** What sells in each demo city, and at what prices: the listings' side of the demo cities. */

export interface Market {
  /** Typical asking prices per m² of floor area, in major units. */
  perM2: { sale: number; rentMonth: number };
  /** What a vehicle worth one US dollar new costs here, duties included, in major units. */
  perUsd: number;
  /** By the sea, so a sea view is possible. */
  coastal?: boolean;
  /** How often each vehicle category is listed here. */
  vehicleMix: Readonly<Record<(typeof VEHICLE_CATEGORIES)[number], number>>;
}

const MARKETS: Readonly<Record<string, Market>> = {
  'Addis Ababa': {
    perM2: { sale: 90_000, rentMonth: 450 },
    perUsd: 380,
    vehicleMix: { car: 60, motorcycle: 8, truck: 10, van: 12, bus: 5, heavy_equipment: 5 },
  },
  Nairobi: {
    perM2: { sale: 160_000, rentMonth: 900 },
    perUsd: 210,
    vehicleMix: { car: 62, motorcycle: 12, truck: 9, van: 9, bus: 5, heavy_equipment: 3 },
  },
  'Ho Chi Minh City': {
    perM2: { sale: 70_000_000, rentMonth: 250_000 },
    perUsd: 32_000,
    vehicleMix: { car: 40, motorcycle: 45, truck: 5, van: 5, bus: 2, heavy_equipment: 3 },
  },
  Lisbon: {
    perM2: { sale: 6_000, rentMonth: 22 },
    perUsd: 1.2,
    coastal: true,
    vehicleMix: { car: 70, motorcycle: 12, truck: 5, van: 9, bus: 2, heavy_equipment: 2 },
  },
};

/** A demo city's market; every demo city has one. */
export function marketOf(city: City): Market {
  const market = MARKETS[city.name];
  if (!market) throw new Error(`no market for the demo city ${city.name}`);
  return market;
}

export interface Place {
  city: City;
  neighbourhood: Neighbourhood;
}

/** Somewhere in the neighbourhood: within 3 km of its centre, more often near it. */
export function locationIn(
  random: Random,
  { city, neighbourhood }: Place,
): ListingInput['location'] {
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

import { intBetween, pick, type Random } from '../../../platform/demo/random.ts';
import type { ListingInput } from '../schemas.ts';
import type { VEHICLE_CATEGORIES } from '../vocabulary.ts';

/** The four demo cities: their neighbourhoods, streets, prices and what sells there. */

export interface Neighbourhood {
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

export const cityNamed = (name: string) => CITIES.find((c) => c.name === name);

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

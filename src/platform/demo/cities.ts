import { intBetween, pick, type Random } from './random.ts';

/**
 * The four demo cities every module's demo and generated data is set in: where they are, their
 * neighbourhoods and streets, and the currency they price in.
 */

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
  },
];

export function cityNamed(name: string): City {
  const city = CITIES.find((c) => c.name === name);
  if (!city) throw new Error(`no demo city ${name}`);
  return city;
}

import { minorUnits } from '../../../platform/core/money.ts';
import {
  between,
  intBetween,
  pick,
  type Random,
  roundPrice,
  weighted,
} from '../../../platform/demo/random.ts';
import type { ListingInput } from '../schemas.ts';
import type {
  BODY_TYPES,
  FUELS,
  Purpose,
  TRANSMISSIONS,
  VEHICLE_CATEGORIES,
} from '../vocabulary.ts';
import { label, type RentPeriod, THIS_YEAR } from './common.ts';
import { locationIn, marketOf, type Place } from './markets.ts';

/** Generated vehicles: the makes and models each city's roads carry, priced by age. */

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

export function vehicleListing(random: Random, place: Place, purpose: Purpose): ListingInput {
  const { city } = place;
  const category = weighted(random, marketOf(city).vehicleMix);
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
  const value = model.usd * marketOf(city).perUsd * 0.85 ** age * between(random, 0.85, 1.15);
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

import { minorUnits } from '../../../platform/core/money.ts';
import {
  between,
  intBetween,
  pick,
  type Random,
  roundPrice,
} from '../../../platform/demo/random.ts';
import type { ProductOption } from '../tables.ts';
import { MAX_VARIANTS } from '../vocabulary.ts';
import { KINDS, type ProductKind } from './catalogue.ts';

/** Generated products: titles, options and variants, priced in the shop's currency. */

/** Major units of each demo currency a US dollar buys: consumer goods, not vehicles. */
const PER_USD: Readonly<Record<string, number>> = { ETB: 140, KES: 130, VND: 25_000, EUR: 0.92 };

/** At most this many variants, so a product page stays readable. */
const MOST_VARIANTS = Math.min(6, MAX_VARIANTS);

export interface DraftVariant {
  /** Which of the product's variants it is, from 1: SKUs end in it. */
  number: number;
  priceAmount: number;
  compareAtAmount: number | null;
  stock: number;
  options: Record<string, string>;
  weightG: number;
}

/** A product as its seller would describe it, before it belongs to a shop. */
export interface ProductDraft {
  title: string;
  description: string;
  /** Letters for its SKUs, from its noun. */
  skuPrefix: string;
  options: ProductOption[];
  variants: DraftVariant[];
}

export const leafSlugs = () => Object.keys(KINDS);

/** What `usd` US dollars buy in `currency`, priced as people price things, in minor units. */
export const priceIn = (usd: number, currency: string) =>
  minorUnits(roundPrice(usd * (PER_USD[currency] ?? 1)), currency);

/** `count` neighbouring values of `values`, from a random start. */
function run(random: Random, values: readonly string[], count: number): string[] {
  const start = intBetween(random, 0, values.length - count);
  return values.slice(start, start + count);
}

function skuPrefixOf(kind: ProductKind): string {
  const letters = (kind.noun || 'Book').replace(/[^A-Za-z]/g, '').toUpperCase();
  return letters.slice(0, 3);
}

/**
 * A product of the category `leafSlug`: 1 to 6 variants, each a combination of values of the
 * kind's options, priced in `currency` (a later value of a priced option costs more).
 */
export function generateDraft(random: Random, leafSlug: string, currency: string): ProductDraft {
  const kind = pick(random, KINDS[leafSlug] ?? []);
  const title = [pick(random, kind.brands), pick(random, kind.qualifiers), kind.noun]
    .filter(Boolean)
    .join(' ');
  let budget = intBetween(random, 1, MOST_VARIANTS);
  const chosen = kind.options.map((spec) => {
    const most = Math.min(spec.values.length, budget);
    const count = intBetween(random, Math.ceil(most / 2), most);
    budget = Math.floor(budget / count);
    return { spec, values: run(random, spec.values, count) };
  });
  const usd = between(random, kind.usd[0], kind.usd[1]);
  const weight = intBetween(random, kind.weightG[0], kind.weightG[1]);
  let combinations: { options: Record<string, string>; factor: number }[] = [
    { options: {}, factor: 1 },
  ];
  for (const { spec, values } of chosen) {
    combinations = combinations.flatMap((c) =>
      values.map((value) => ({
        options: { ...c.options, [spec.name]: value },
        factor: c.factor * (spec.priceStep ?? 1) ** spec.values.indexOf(value),
      })),
    );
  }
  const variants = combinations.map(({ options, factor }, i): DraftVariant => {
    const price = priceIn(usd * factor, currency);
    const was =
      random() < 0.2 ? priceIn(usd * factor * between(random, 1.15, 1.5), currency) : null;
    return {
      number: i + 1,
      priceAmount: price,
      // Rounding can bring a "was" price down to the price itself: no discount then.
      compareAtAmount: was !== null && was > price ? was : null,
      stock: random() < 0.08 ? 0 : intBetween(random, 1, 120),
      options,
      weightG: Math.round(weight * Math.sqrt(factor)),
    };
  });
  const details = run(random, kind.details, Math.min(2, kind.details.length));
  return {
    title,
    description: [`${title}.`, ...details].join(' '),
    skuPrefix: skuPrefixOf(kind),
    options: chosen.map(({ spec, values }) => ({ name: spec.name, values })),
    variants,
  };
}

import { and, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import { BadInput } from '../core/errors.ts';
import type { Executor } from './client.ts';

/**
 * Full-text search with a typo fallback, for any table that stores a weighted `tsvector` (GIN
 * index) and a lower-cased text of its names (GIN trigram index). Listings and products search
 * this way; each table decides what goes into its two columns and with which weights.
 */
export interface TextSearchable {
  table: PgTable;
  /** The weighted `tsvector` (the `simple` configuration: no stemming, any language). */
  vector: AnyPgColumn;
  /** What a misspelt query is compared with, by trigrams. */
  text: AnyPgColumn;
}

export interface TextMatch {
  match: SQL;
  /** Rounded so a cursor holds the exact value the next page compares with. */
  rank: SQL;
}

/**
 * How alike a misspelt query and a row's words must be (pg_trgm word similarity, 0..1). The
 * extension's default, 0.6, misses a one-letter slip in a nine-letter word (about 0.54).
 */
const TYPO_THRESHOLD = 0.45;

/** The words of a query: letters and digits only, so they can never be tsquery syntax. */
function wordsOf(q: string): string[] {
  const words =
    q
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.slice(0, 12);
}

/**
 * Every word of `q` as a prefix in the full-text index, ranked by weight; none when `q` has no
 * letter or digit. The saved-search matcher uses it alone, without the typo fallback.
 */
export function fullTextMatch(target: TextSearchable, q: string): TextMatch | undefined {
  const words = wordsOf(q);
  if (words.length === 0) return undefined;
  const tsquery = sql`to_tsquery('simple', ${words.map((word) => `${word}:*`).join(' & ')})`;
  return {
    match: sql`${target.vector} @@ ${tsquery}`,
    rank: sql`round(ts_rank(${target.vector}, ${tsquery})::numeric, 6)`,
  };
}

/**
 * How `q` matches and ranks among the rows `filters` leave. Full text first: every word, as a
 * prefix, ranked by weight. When that finds nothing, the query is taken as misspelt: each word
 * is compared by trigrams with the row's names. Trigrams rank every candidate row, so they are
 * the fallback, not the rule. A search takes the same branch on every page while the rows stay
 * as they are. Run it in the transaction that reads the page: the fallback sets its threshold
 * for that transaction only.
 */
export async function textMatch(
  db: Executor,
  target: TextSearchable,
  q: string,
  filters: SQL[],
): Promise<TextMatch> {
  const words = wordsOf(q);
  const exact = fullTextMatch(target, q);
  if (!exact) {
    throw new BadInput('validation-failed', 'The search needs a word.', {
      fields: [{ path: 'q', message: 'expected at least one letter or digit' }],
    });
  }
  const [found] = await db
    .select({ one: sql`1` })
    .from(target.table)
    .where(and(...filters, exact.match))
    .limit(1);
  if (found) return exact;
  await db.execute(
    sql`select set_config('pg_trgm.word_similarity_threshold', ${String(TYPO_THRESHOLD)}, true)`,
  );
  // Each word on its own: one misspelt word among right ones dilutes a whole-query similarity.
  const similarity = words.map((word) => sql`word_similarity(${word}, ${target.text})`);
  return {
    match: and(...words.map((word) => sql`${target.text} %> ${word}`)) as SQL,
    rank: sql`round(((${sql.join(similarity, sql` + `)}) / ${words.length})::numeric, 6)`,
  };
}

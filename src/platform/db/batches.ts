import type { Ctx } from '../core/context.ts';
import { withTransaction } from './transaction.ts';

/**
 * Runs `step` in a transaction of its own until it handles less than `size` rows. Each step
 * locks its rows with SKIP LOCKED, so two workers running the same job share the rows, never
 * both handling one, and each row's events commit with its change.
 */
export async function inBatches(
  ctx: Ctx,
  size: number,
  step: (tx: Ctx) => Promise<number>,
): Promise<void> {
  // The rows a step handled no longer match its query: the next step reads the following ones.
  for (;;) {
    if ((await withTransaction(ctx, step)) < size) return;
  }
}

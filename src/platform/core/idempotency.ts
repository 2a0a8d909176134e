import { and, eq } from 'drizzle-orm';
import { sha256, toBase64Url } from '../crypto.ts';
import { idempotencyKeys } from '../db/tables.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Ctx } from './context.ts';
import { Invalid } from './errors.ts';

/**
 * Idempotency keys for writes that move money or stock: the first answer is stored in the
 * transaction that makes the write, so a retry (even one racing the first) gets the same answer
 * and never a second write. A failed write stores nothing: its retry runs again. The transport
 * reads the key (an `Idempotency-Key` header) and answers a replay as it answered the first.
 */

export interface Stored<T> {
  body: T;
  /** True when this is a retry answered from the first request. */
  replayed: boolean;
}

/** What names one intended write: the caller's scope, their key, and what they asked. */
export interface IdempotentRequest {
  /** The write and the caller (`orders:checkout:<userId>`): keys never meet across users. */
  scope: string;
  /** Absent: the write runs, as any other. */
  key: string | undefined;
  /** The input; the same key with other input is refused. */
  input: unknown;
}

async function hashOf(input: unknown): Promise<string> {
  return toBase64Url(await sha256(JSON.stringify(input ?? null)));
}

/**
 * Runs `write` once per (`scope`, `key`): the key is claimed first, so a concurrent retry waits
 * on it until the first transaction ends, then reads its answer. Without a key, `write` runs.
 */
export async function idempotent<T>(
  ctx: Ctx,
  request: IdempotentRequest,
  write: (tx: Ctx) => Promise<T>,
): Promise<Stored<T>> {
  const { scope, key } = request;
  if (key === undefined) return { body: await withTransaction(ctx, write), replayed: false };
  const requestHash = await hashOf(request.input);
  return withTransaction(ctx, async (tx) => {
    const claimed = await tx.db
      .insert(idempotencyKeys)
      .values({ scope, key, requestHash, response: {} })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (claimed.length === 0) {
      const [first] = await tx.db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
      if (!first) throw new Error(`idempotency key ${key} vanished after its conflict`);
      if (first.requestHash !== requestHash) {
        throw new Invalid(
          'idempotency-key-reused',
          'This Idempotency-Key was used with another request body.',
          { fields: [{ path: 'idempotency-key', message: 'used with another body' }] },
        );
      }
      return { body: first.response as T, replayed: true };
    }
    const body = await write(tx);
    await tx.db
      .update(idempotencyKeys)
      .set({ response: body as object })
      .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
    return { body, replayed: false };
  });
}

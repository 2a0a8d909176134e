import { z } from '@hono/zod-openapi';
import { and, eq } from 'drizzle-orm';
import { idempotencyKeys } from '../db/tables.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Ctx } from './context.ts';
import { Invalid } from './errors.ts';

/**
 * `Idempotency-Key` for writes that move money or stock: the first request's answer is stored in
 * the transaction that makes the write, so a retry (even one racing the first) gets the same
 * answer and never a second write. A failed write stores nothing: its retry runs again.
 */

export const IdempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, { message: 'expected printable ASCII without spaces' })
    .optional()
    .openapi({
      description:
        'Any unique string (a UUID) per intended write: a retry with the same key and body ' +
        'answers the first result; the same key with another body is 422.',
      example: '0d8e6b4c-5f38-4b7e-9d2a-1c3f2b7e4a10',
    }),
});

export interface Stored<T> {
  status: number;
  body: T;
  /** True when this is a retry answered from the first request. */
  replayed: boolean;
}

async function hashOf(body: unknown): Promise<string> {
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(JSON.stringify(body ?? null)),
  );
  return Buffer.from(digest).toString('base64url');
}

/**
 * Runs `write` once per (`scope`, `key`): the key is claimed first, so a concurrent retry waits
 * on it until the first transaction ends, then reads its answer. Without a key, `write` runs.
 */
export async function idempotent<T>(
  ctx: Ctx,
  request: { scope: string; key: string | undefined; body: unknown; status: number },
  write: (tx: Ctx) => Promise<T>,
): Promise<Stored<T>> {
  const { scope, key, status } = request;
  if (key === undefined) {
    return { status, body: await withTransaction(ctx, write), replayed: false };
  }
  const requestHash = await hashOf(request.body);
  return withTransaction(ctx, async (tx) => {
    const claimed = await tx.db
      .insert(idempotencyKeys)
      .values({ scope, key, requestHash, status, response: {} })
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
          { errors: [{ path: 'header.idempotency-key', message: 'used with another body' }] },
        );
      }
      return { status: first.status, body: first.response as T, replayed: true };
    }
    const body = await write(tx);
    await tx.db
      .update(idempotencyKeys)
      .set({ response: body as object })
      .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
    return { status, body, replayed: false };
  });
}

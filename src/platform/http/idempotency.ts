import { z } from '@hono/zod-openapi';

/** The `Idempotency-Key` header of a write that moves money or stock (core/idempotency.ts). */
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

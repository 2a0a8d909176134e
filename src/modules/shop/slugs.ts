import { z } from '@hono/zod-openapi';
import { eq, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';

/**
 * Shops and categories are addressed by id or by slug in the same place of a path
 * (`/shops/{idOrSlug}`), so a slug is never shaped like a UUID: the shape says which it is.
 */

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLUG_SHAPE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const isUuidShaped = (value: string) => UUID_SHAPE.test(value);

export const MAX_SLUG_LENGTH = 60;

/** A slug made of a name: `Phones & Tablets` is `phones-tablets`; empty when nothing is left. */
export function slugFrom(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_SLUG_LENGTH)
    .replace(/^-+|-+$/g, '');
}

export const isSlug = (slug: string) =>
  slug.length <= MAX_SLUG_LENGTH && SLUG_SHAPE.test(slug) && !isUuidShaped(slug);

/** A slug field of at least `min` characters: lower-case letters and digits, single hyphens. */
export const slugField = (min: number) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .min(min)
    .max(MAX_SLUG_LENGTH)
    .regex(SLUG_SHAPE, {
      message: 'expected lower-case letters and digits, with single hyphens between them',
    })
    .refine((slug) => !isUuidShaped(slug), { message: 'must not be shaped like a UUID' });

/** The path parameter that names a shop or a category either way. */
export const idOrSlugParam = (example: string) =>
  z
    .string()
    .min(1)
    .max(MAX_SLUG_LENGTH)
    .openapi({ param: { name: 'idOrSlug', in: 'path' }, description: 'An id or a slug.', example });

/** The row named by `idOrSlug`, as a condition on its id and slug columns. */
export const byIdOrSlug = (id: AnyPgColumn, slug: AnyPgColumn, idOrSlug: string): SQL =>
  isUuidShaped(idOrSlug) ? eq(id, idOrSlug) : eq(slug, idOrSlug.toLowerCase());

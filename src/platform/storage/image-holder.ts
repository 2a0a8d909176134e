import { and, asc, type BuildColumns, count, eq, inArray } from 'drizzle-orm';
import {
  type AnyPgColumn,
  integer,
  jsonb,
  type PgTableWithColumns,
  text,
  uuid,
} from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Ctx } from '../core/context.ts';
import { Invalid, NotFound } from '../core/errors.ts';
import type { Executor } from '../db/client.ts';
import { createdAt, id } from '../db/columns.ts';
import { closeGap, type Ordering, shiftForMove } from '../db/positions.ts';
import { withTransaction } from '../db/transaction.ts';
import { defineEvent, type EventBus, publish } from '../events/events.ts';
import type { Jobs } from '../jobs/index.ts';
import {
  assertRoom,
  deleteFiles,
  imageFiles,
  type PreparedImage,
  prepareImages,
  type RecordedVariants,
  storeImages,
} from './image-uploads.ts';
import type { Storage } from './storage.ts';
import { makeImageVariants, variantKey } from './uploads.ts';

/**
 * The public images something holds (a listing's photos, a product's images, a review's
 * photos), as one mechanism a module declares: the columns of their table, uploads checked by
 * content and stored stripped, all or none, within the holder's limit, a contiguous order from
 * 0, WebP variants made by a job once the upload commits, and their links. The module keeps
 * its table, its rules about the owner (who may change it, what a change means) and its views.
 */

/** The columns every images table has; a module adds its own (a primary flag, alt text). */
export const imageColumns = (ownerColumn: string, owner: () => AnyPgColumn) => ({
  id: id(),
  ownerId: uuid(ownerColumn).notNull().references(owner, { onDelete: 'cascade' }),
  /** The original, metadata stripped; public. */
  key: text('key').notNull(),
  contentType: text('content_type').notNull(),
  width: integer('width').notNull(),
  height: integer('height').notNull(),
  position: integer('position').notNull(),
  /** Made by the variants job after the upload, by width. */
  variants: jsonb('variants').$type<RecordedVariants>(),
  createdAt: createdAt(),
});

type ImageColumns = ReturnType<typeof imageColumns>;

/** A table made with `imageColumns` (and more). */
export type ImagesTable = PgTableWithColumns<{
  name: string;
  schema: undefined;
  dialect: 'pg';
  columns: BuildColumns<string, ImageColumns, 'pg'>;
}>;

export interface ImageRow {
  id: string;
  ownerId: string;
  key: string;
  contentType: string;
  width: number;
  height: number;
  position: number;
  variants: RecordedVariants | null;
  createdAt: Date;
}

export interface ImageHolder {
  /** Names the holder in its jobs and events: `listings.photos`. */
  readonly name: string;
  readonly table: ImagesTable;
  /** How many one owner may hold. */
  readonly max: number;
  /** The input field uploads come under: `photos`. */
  readonly field: string;
  /** For messages: what holds them, and one and many of them (`listing`, `photo`, `photos`). */
  readonly owner: string;
  readonly one: string;
  readonly many: string;
  /** Where an owner's images are stored: `listings/<ownerId>`. */
  readonly folder: (ownerId: string) => string;
}

/** Images of a holder were committed: their variants are due. */
export const imagesAdded = defineEvent(
  'images.added',
  z.object({
    holder: z.string(),
    ownerId: z.uuid(),
    images: z.array(z.object({ imageId: z.uuid(), key: z.string() })),
  }),
);

const ownerIs = (holder: ImageHolder, ownerId: string) => eq(holder.table.ownerId, ownerId);

const orderingOf = (holder: ImageHolder, ownerId: string): Ordering => ({
  table: holder.table,
  position: holder.table.position,
  scope: ownerIs(holder, ownerId),
});

export async function countImages(ctx: Ctx, holder: ImageHolder, ownerId: string) {
  const [row] = await ctx.db
    .select({ n: count() })
    .from(holder.table)
    .where(ownerIs(holder, ownerId));
  return row?.n ?? 0;
}

/**
 * How many the owner holds, refusing `adding` more past the holder's limit. Counted under the
 * owner's lock (the caller's), so uploads racing each other cannot pass the limit together.
 */
async function roomFor(ctx: Ctx, holder: ImageHolder, ownerId: string, adding: number) {
  const existing = await countImages(ctx, holder, ownerId);
  assertRoom({ existing, adding, max: holder.max, field: holder.field, ...nouns(holder) });
  return existing;
}

const nouns = (holder: ImageHolder) => ({ holder: holder.owner, noun: holder.many });

/** Tells the variants job about committed images; the relay runs it after the commit. */
export async function announceImages(
  ctx: Ctx,
  holder: ImageHolder,
  ownerId: string,
  images: readonly { id: string; key: string }[],
): Promise<void> {
  await publish(ctx, imagesAdded, {
    aggregateId: ownerId,
    payload: {
      holder: holder.name,
      ownerId,
      images: images.map((image) => ({ imageId: image.id, key: image.key })),
    },
  });
}

export interface AddHooks<Owner, Result> {
  /** Locks the owner for a change, refusing a caller who may not make it. */
  lock(tx: Ctx): Promise<Owner>;
  /** The module's own columns of each new image: `position` is where it goes. */
  columns?(image: PreparedImage, position: number): Promise<Record<string, unknown>>;
  /**
   * In the images' transaction: what the change means to the owner (a touch, an event), and
   * what `addImages` resolves to; without it, nothing.
   */
  after?(tx: Ctx, owner: Owner, added: readonly PreparedImage[]): Promise<Result>;
}

/**
 * Adds images after the owner's last. Refused cheaply first (a caller who may not change the
 * owner, or images that would not fit, cost no decoding); then every file is checked by its
 * content and stored stripped before any row is written, and one bad file refuses them all.
 * Files stored for a write that then fails are deleted again.
 */
export async function addImages<Owner, Result = void>(
  ctx: Ctx,
  holder: ImageHolder,
  ownerId: string,
  files: readonly Uint8Array[],
  hooks: AddHooks<Owner, Result>,
): Promise<Result> {
  await withTransaction(ctx, async (tx) => {
    await hooks.lock(tx);
    await roomFor(tx, holder, ownerId, files.length);
  });
  const images = await prepareImages(files, {
    maxBytes: ctx.config.uploadMaxBytes,
    maxPixels: ctx.config.imageMaxPixels,
    field: holder.field,
    keyOf: (imageId, ext) => `${holder.folder(ownerId)}/${imageId}.${ext}`,
  });
  await storeImages(ctx, images);
  try {
    return await withTransaction(ctx, async (tx) => {
      const owner = await hooks.lock(tx);
      const existing = await roomFor(tx, holder, ownerId, images.length);
      const rows = await Promise.all(
        images.map(async (image, index) => ({
          id: image.id,
          ownerId,
          key: image.key,
          contentType: image.contentType,
          width: image.width,
          height: image.height,
          position: existing + index,
          ...(await hooks.columns?.(image, existing + index)),
        })),
      );
      await tx.db.insert(holder.table).values(rows);
      await announceImages(tx, holder, ownerId, images);
      return (await hooks.after?.(tx, owner, images)) as Result;
    });
  } catch (error) {
    await deleteFiles(
      ctx,
      images.map((image) => image.key),
    );
    throw error;
  }
}

/** One image of the owner; another owner's is not found. */
export async function imageOf(
  ctx: Ctx,
  holder: ImageHolder,
  ownerId: string,
  imageId: string,
): Promise<ImageRow> {
  const [image] = await ctx.db
    .select()
    .from(holder.table)
    .where(and(eq(holder.table.id, imageId), ownerIs(holder, ownerId)));
  if (!image) throw new NotFound(holder.one);
  return image as ImageRow;
}

/** Moves an image to `position`; the others shift to keep the order contiguous. */
export async function moveImage(
  tx: Ctx,
  holder: ImageHolder,
  image: ImageRow,
  position: number,
): Promise<void> {
  if (position === image.position) return;
  const last = (await countImages(tx, holder, image.ownerId)) - 1;
  if (position > last) {
    throw new Invalid(
      'position-out-of-range',
      `The ${holder.owner}'s ${holder.many} are at positions 0 to ${last}.`,
      { fields: [{ path: 'position', message: `expected at most ${last}` }] },
    );
  }
  await shiftForMove(tx.db, orderingOf(holder, image.ownerId), image.position, position);
  await tx.db.update(holder.table).set({ position }).where(eq(holder.table.id, image.id));
}

/** Deletes an image's row; the images after it move up. Its files go once the caller commits. */
export async function removeImage(tx: Ctx, holder: ImageHolder, image: ImageRow): Promise<void> {
  await tx.db.delete(holder.table).where(eq(holder.table.id, image.id));
  await closeGap(tx.db, orderingOf(holder, image.ownerId), image.position);
}

/** Deletes a removed image's files: the original and every variant the job can have made. */
export function deleteImageFiles(ctx: Ctx, image: ImageRow): Promise<void> {
  return deleteFiles(ctx, imageFiles(image));
}

/** The owners' images, each owner's in order. */
export async function imagesOf(
  db: Executor,
  holder: ImageHolder,
  ownerIds: readonly string[],
): Promise<ImageRow[]> {
  if (ownerIds.length === 0) return [];
  const rows = await db
    .select()
    .from(holder.table)
    .where(inArray(holder.table.ownerId, [...ownerIds]))
    .orderBy(asc(holder.table.ownerId), asc(holder.table.position), asc(holder.table.id));
  return rows as ImageRow[];
}

/** An image's public URL and those of the variants made so far, by width. */
export async function imageLinks(
  storage: Storage,
  row: Pick<ImageRow, 'key' | 'variants'>,
): Promise<{ url: string; variants: Record<string, string> }> {
  const variants: Record<string, string> = {};
  for (const [width, made] of Object.entries(row.variants ?? {})) {
    variants[width] = await storage.url(variantKey(row.key, made.width));
  }
  return { url: await storage.url(row.key), variants };
}

/** The job that makes every holder's variants and records them on the image's row. */
export const RECORD_VARIANTS_JOB = 'images.record-variants';

export interface VariantsJob {
  holder: string;
  imageId: string;
  /** The original the variants are made of: a row holding another one gets none. */
  key: string;
}

/**
 * Registers the variants job for `holders`, and the subscriber that queues it for committed
 * images (through the outbox: an upload can be part of a longer transaction, such as the demo
 * data's, and a job queued inside it could run before the rows exist). A row deleted, or
 * holding another original, while its variants were made gets none: they are deleted again.
 */
export function registerImageHolders(
  jobs: Jobs,
  events: EventBus,
  deps: { db: Executor; storage: Storage },
  holders: readonly ImageHolder[],
): void {
  const byName = new Map(holders.map((holder) => [holder.name, holder]));
  jobs.register<VariantsJob>(RECORD_VARIANTS_JOB, async ({ holder: name, imageId, key }) => {
    const holder = byName.get(name);
    if (!holder) throw new Error(`no image holder named ${name}`);
    const made = await makeImageVariants(deps.storage, key);
    if (made.length === 0) return;
    const variants = Object.fromEntries(
      made.map(({ width, height }) => [String(width), { width, height }]),
    );
    const { table } = holder;
    const recorded = await deps.db
      .update(table)
      .set({ variants })
      .where(and(eq(table.id, imageId), eq(table.key, key)))
      .returning({ id: table.id });
    if (recorded.length > 0) return;
    await Promise.all(made.map((variant) => deps.storage.delete(variant.key)));
  });
  // The relay delivers an event at least once; the job id keeps a second delivery from
  // making a second job.
  events.subscribe(imagesAdded, 'storage.queue-image-variants', async (event, ctx) => {
    const { holder, images } = event.payload;
    await Promise.all(
      images.map(({ imageId, key }) =>
        ctx.jobs.enqueue(RECORD_VARIANTS_JOB, { holder, imageId, key } satisfies VariantsJob, {
          jobId: `${holder}-${imageId}`,
        }),
      ),
    );
  });
}

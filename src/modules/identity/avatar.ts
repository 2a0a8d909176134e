import { eq } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { requestJob } from '../../platform/jobs/index.ts';
import {
  IMAGE_VARIANT_JOB,
  IMAGE_VARIANT_WIDTHS,
  type ImageVariantJob,
  imageCodec,
  inspectUpload,
  type Storage,
  variantKey,
  withoutMetadata,
} from '../../platform/storage/index.ts';
import { users } from './tables.ts';
import { lockUser } from './users.ts';

/** Avatars: public images, stripped of their metadata, with WebP variants made by a job. */

export interface AvatarView {
  /** The original, metadata stripped. */
  url: string;
  /** WebP variants by width, present once the background job has made them. */
  variants: Record<string, string>;
}

/** The avatar's URLs; a variant is listed once the background job has made it. */
export async function avatarOf(storage: Storage, key: string | null): Promise<AvatarView | null> {
  if (!key) return null;
  const variants: Record<string, string> = {};
  await Promise.all(
    IMAGE_VARIANT_WIDTHS.map(async (width) => {
      const variant = variantKey(key, width);
      if (await storage.head(variant)) variants[String(width)] = await storage.url(variant);
    }),
  );
  return { url: await storage.url(key), variants };
}

/** Removes an avatar and its variants; a failure only leaves an orphan file, so it is logged. */
async function deleteAvatarFiles(ctx: Ctx, key: string): Promise<void> {
  try {
    const widths = new Set(IMAGE_VARIANT_WIDTHS);
    // An image narrower than every variant width gets one variant of its own width.
    const original = await ctx.storage.get(key);
    if (original) {
      const bytes = new Uint8Array(await new Response(original.body).arrayBuffer());
      const { width } = await (await imageCodec()).size(bytes);
      widths.add(width);
    }
    const keys = [key, ...[...widths].map((width) => variantKey(key, width))];
    await Promise.all(keys.map((k) => ctx.storage.delete(k)));
  } catch (error) {
    ctx.log.warn({ err: error, key }, 'could not delete a replaced avatar');
  }
}

/** Stores `bytes` as the avatar (public) and has its variants made in the background. */
export async function setAvatar(ctx: Ctx, bytes: Uint8Array): Promise<void> {
  const { userId } = requireActor(ctx);
  const { ext, mime } = await inspectUpload(bytes, {
    allowed: ['image'],
    maxBytes: ctx.config.uploadMaxBytes,
    maxPixels: ctx.config.imageMaxPixels,
  });
  const key = `avatars/${userId}/${uuidv7()}.${ext}`;
  await ctx.storage.put(key, await withoutMetadata(bytes, ext), {
    contentType: mime,
    visibility: 'public',
  });
  let previous: string | null;
  try {
    previous = await withTransaction(ctx, async (tx) => {
      const user = await lockUser(tx.db, userId);
      await tx.db.update(users).set({ avatarKey: key }).where(eq(users.id, userId));
      await audit(tx, {
        action: 'profile.avatar_changed',
        resource: { type: 'user', id: userId },
        before: { avatarKey: user.avatarKey },
        after: { avatarKey: key },
      });
      await requestJob(tx, IMAGE_VARIANT_JOB, { key } satisfies ImageVariantJob);
      return user.avatarKey;
    });
  } catch (error) {
    await ctx.storage.delete(key);
    throw error;
  }
  if (previous) await deleteAvatarFiles(ctx, previous);
}

export async function removeAvatar(ctx: Ctx): Promise<void> {
  const { userId } = requireActor(ctx);
  const previous = await withTransaction(ctx, async (tx) => {
    const user = await lockUser(tx.db, userId);
    if (!user.avatarKey) return null;
    await tx.db.update(users).set({ avatarKey: null }).where(eq(users.id, userId));
    await audit(tx, {
      action: 'profile.avatar_removed',
      resource: { type: 'user', id: userId },
      before: { avatarKey: user.avatarKey },
      after: { avatarKey: null },
    });
    return user.avatarKey;
  });
  if (previous) await deleteAvatarFiles(ctx, previous);
}

import { and, desc, eq, inArray } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { audit } from '../../platform/audit/audit.ts';
import type { Ctx } from '../../platform/core/context.ts';
import { Conflict, Forbidden, Invalid, NotFound } from '../../platform/core/errors.ts';
import { keysetPage, type Page, type PageInput } from '../../platform/core/paging.ts';
import { requireActor } from '../../platform/core/permissions.ts';
import { type Executor, isUniqueViolation } from '../../platform/db/client.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import { publish } from '../../platform/events/events.ts';
import { inspectUpload } from '../../platform/storage/index.ts';
import { contactsOf, forgetSessions, grantRole } from '../identity/index.ts';
import {
  professionalRejected,
  professionalVerificationSubmitted,
  professionalVerified,
} from './events.ts';
import { professionalRoleRequired, professionalRoles } from './profiles.ts';
import type {
  DocumentField,
  VerificationReviewDetailView,
  VerificationReviewView,
  VerificationView,
} from './schemas.ts';
import {
  type ProfessionalRole,
  professionalProfiles,
  type VerificationRow,
  type VerificationStatus,
  verifications,
} from './tables.ts';

/**
 * KYC checks: an agent or broker sends an ID document and their license, moderators read them
 * through short-lived links and approve (granting the role) or reject with a reason. The
 * documents are private files: no public URL, no listing and no profile ever shows them.
 */

/** How long a moderator's link to a document works. */
export const DOCUMENT_LINK_SECONDS = 300;

export interface KycFiles {
  idDocument: Uint8Array;
  license: Uint8Array;
}

const FILE_NAMES: Record<DocumentField, string> = {
  idDocument: 'id-document',
  license: 'license',
};

function viewOf(row: VerificationRow): VerificationView {
  return {
    id: row.id,
    role: row.role,
    status: row.status,
    reason: row.reason,
    submittedAt: row.createdAt.toISOString(),
    reviewedAt: row.reviewedAt?.toISOString() ?? null,
  };
}

const alreadyPending = () =>
  new Conflict(
    'verification-pending',
    'Your documents are already waiting for review; you may send new ones if they are rejected.',
  );

/**
 * The role the check is for: the one asked for, else the agent or broker role waiting for it,
 * else the one already granted (a check earns the verified badge).
 */
async function roleToVerify(
  ctx: Ctx,
  userId: string,
  asked: ProfessionalRole | undefined,
): Promise<{ role: ProfessionalRole; granted: boolean }> {
  const { granted, pending } = await professionalRoles(ctx.db, userId);
  if (asked) {
    if (pending.includes(asked)) return { role: asked, granted: false };
    if (granted.includes(asked)) return { role: asked, granted: true };
    throw professionalRoleRequired();
  }
  const candidates = pending.length > 0 ? pending : granted;
  const [role, other] = candidates;
  if (!role) throw professionalRoleRequired();
  if (other) {
    throw new Invalid('role-ambiguous', 'You hold both the agent and broker roles: say which.', {
      fields: [{ path: 'role', message: 'required when you are both an agent and a broker' }],
    });
  }
  return { role, granted: granted.includes(role) };
}

/** The file's real type, or a 422 naming the form field it came in. */
async function inspectDocument(ctx: Ctx, field: DocumentField, bytes: Uint8Array) {
  try {
    return await inspectUpload(bytes, {
      allowed: ['image', 'pdf'],
      maxBytes: ctx.config.uploadMaxBytes,
      maxPixels: ctx.config.imageMaxPixels,
    });
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    throw new Invalid(error.code, error.message, {
      fields: [{ path: field, message: error.message }],
    });
  }
}

/** Sends the caller's documents for review: one check waits at a time. */
export async function submitVerification(
  ctx: Ctx,
  files: KycFiles,
  asked: ProfessionalRole | undefined,
): Promise<VerificationView> {
  const { userId } = requireActor(ctx);
  const { role, granted } = await roleToVerify(ctx, userId, asked);
  const earlier = await ctx.db
    .select({ status: verifications.status, role: verifications.role })
    .from(verifications)
    .where(
      and(eq(verifications.userId, userId), inArray(verifications.status, ['pending', 'approved'])),
    );
  if (earlier.some((v) => v.status === 'pending')) throw alreadyPending();
  if (granted && earlier.some((v) => v.status === 'approved' && v.role === role)) {
    throw new Conflict('already-verified', `You are already a verified ${role}.`);
  }
  const idDocument = await inspectDocument(ctx, 'idDocument', files.idDocument);
  const license = await inspectDocument(ctx, 'license', files.license);

  const id = uuidv7();
  const keyOf = (field: DocumentField, ext: string) =>
    `kyc/${userId}/${id}/${FILE_NAMES[field]}.${ext}`;
  const idDocumentKey = keyOf('idDocument', idDocument.ext);
  const licenseKey = keyOf('license', license.ext);
  // Kept byte for byte, metadata and all: they are evidence, and nobody but moderators sees them.
  await Promise.all([
    ctx.storage.put(idDocumentKey, files.idDocument, {
      contentType: idDocument.mime,
      visibility: 'private',
    }),
    ctx.storage.put(licenseKey, files.license, {
      contentType: license.mime,
      visibility: 'private',
    }),
  ]);
  try {
    const row = await withTransaction(ctx, async (tx) => {
      const [inserted] = await tx.db
        .insert(verifications)
        .values({
          id,
          userId,
          role,
          idDocumentKey,
          idDocumentType: idDocument.mime,
          licenseKey,
          licenseType: license.mime,
        })
        .returning();
      if (!inserted) throw new Error('inserting a verification returned no row');
      await publish(tx, professionalVerificationSubmitted, {
        aggregateId: userId,
        payload: { userId, verificationId: id, role },
      });
      return inserted;
    });
    return viewOf(row);
  } catch (error) {
    await Promise.all([ctx.storage.delete(idDocumentKey), ctx.storage.delete(licenseKey)]);
    // Two submissions at once: the partial unique index lets one through.
    if (isUniqueViolation(error)) throw alreadyPending();
    throw error;
  }
}

/** The caller's latest check, without its documents. */
export async function myVerification(ctx: Ctx): Promise<VerificationView> {
  const [row] = await ctx.db
    .select()
    .from(verifications)
    .where(eq(verifications.userId, requireActor(ctx).userId))
    .orderBy(desc(verifications.createdAt), desc(verifications.id))
    .limit(1);
  if (!row) throw new NotFound('verification');
  return viewOf(row);
}

/** Checks as moderators see them: who applied and for which agency, never the file keys. */
async function reviewViews(db: Executor, rows: VerificationRow[]) {
  const userIds = [...new Set(rows.map((r) => r.userId))];
  const contacts = await contactsOf(db, userIds);
  const agencies =
    userIds.length === 0
      ? []
      : await db
          .select({ userId: professionalProfiles.userId, name: professionalProfiles.agencyName })
          .from(professionalProfiles)
          .where(inArray(professionalProfiles.userId, userIds));
  const agencyOf = new Map(agencies.map((a) => [a.userId, a.name]));
  return rows.map(
    (row): VerificationReviewView => ({
      ...viewOf(row),
      userId: row.userId,
      reviewedBy: row.reviewedBy,
      applicant: {
        fullName: contacts.get(row.userId)?.fullName ?? '',
        email: contacts.get(row.userId)?.email ?? null,
        phone: contacts.get(row.userId)?.phone ?? null,
        agencyName: agencyOf.get(row.userId) ?? null,
      },
    }),
  );
}

async function reviewView(db: Executor, row: VerificationRow): Promise<VerificationReviewView> {
  const [view] = await reviewViews(db, [row]);
  if (!view) throw new NotFound('verification');
  return view;
}

/** Checks in one status: pending ones oldest first (the queue), decided ones newest first. */
export async function listVerifications(
  ctx: Ctx,
  status: VerificationStatus,
  page: PageInput,
): Promise<Page<VerificationReviewView>> {
  const direction = status === 'pending' ? 'asc' : 'desc';
  const found = await keysetPage<VerificationRow>(ctx, {
    scope: `verifications:${status}`,
    keys: [
      { column: verifications.createdAt, direction, value: (r) => r.createdAt },
      { column: verifications.id, direction, value: (r) => r.id },
    ],
    page,
    fetch: ({ where, orderBy, limit }) =>
      ctx.db
        .select()
        .from(verifications)
        .where(and(eq(verifications.status, status), where))
        .orderBy(...orderBy)
        .limit(limit),
  });
  return { items: await reviewViews(ctx.db, found.items), nextCursor: found.nextCursor };
}

async function findVerification(db: Executor, id: string, lock = false) {
  const query = db.select().from(verifications).where(eq(verifications.id, id)).limit(1);
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw new NotFound('verification');
  return row;
}

/** One check with links to its documents; every such read is audited. */
export async function getVerificationForReview(
  ctx: Ctx,
  id: string,
): Promise<VerificationReviewDetailView> {
  const row = await findVerification(ctx.db, id);
  const documents = [
    { field: 'idDocument' as const, key: row.idDocumentKey, contentType: row.idDocumentType },
    { field: 'license' as const, key: row.licenseKey, contentType: row.licenseType },
  ];
  await audit(ctx, {
    action: 'verification.documents_viewed',
    resource: { type: 'verification', id },
    metadata: { userId: row.userId, documents: documents.map((d) => d.field) },
  });
  const expiresAt = new Date(Date.now() + DOCUMENT_LINK_SECONDS * 1000).toISOString();
  return {
    ...(await reviewView(ctx.db, row)),
    documents: await Promise.all(
      documents.map(async ({ field, key, contentType }) => ({
        field,
        contentType,
        url: await ctx.storage.url(key, { expiresInSeconds: DOCUMENT_LINK_SECONDS }),
        expiresAt,
      })),
    ),
  };
}

/** The check locked for a decision: still pending, and not the reviewer's own. */
async function pendingToDecide(ctx: Ctx, id: string): Promise<VerificationRow> {
  const row = await findVerification(ctx.db, id, true);
  if (row.userId === requireActor(ctx).userId) {
    throw new Forbidden('Another moderator must review your own documents.', 'own-verification');
  }
  if (row.status !== 'pending') {
    throw new Conflict('not-pending', `The verification was already ${row.status}.`);
  }
  return row;
}

/** Approves the check and grants its role: the applicant's next request holds it. */
export async function approveVerification(ctx: Ctx, id: string): Promise<VerificationReviewView> {
  const by = requireActor(ctx).userId;
  const row = await withTransaction(ctx, async (tx) => {
    const current = await pendingToDecide(tx, id);
    const [updated] = await tx.db
      .update(verifications)
      .set({ status: 'approved', reviewedBy: by, reviewedAt: new Date() })
      .where(eq(verifications.id, id))
      .returning();
    if (!updated) throw new NotFound('verification');
    await grantRole(tx, current.userId, current.role);
    await publish(tx, professionalVerified, {
      aggregateId: current.userId,
      payload: { userId: current.userId, verificationId: id, role: current.role, by },
    });
    await audit(tx, {
      action: 'verification.approved',
      resource: { type: 'verification', id },
      before: { status: 'pending' },
      after: { status: 'approved' },
      metadata: { userId: current.userId, role: current.role },
    });
    return updated;
  });
  // After the commit, so a request in between cannot cache the roles from before it.
  await forgetSessions(ctx, { userId: row.userId });
  return reviewView(ctx.db, row);
}

/** Rejects the check; the role stays pending, so the applicant may send new documents. */
export async function rejectVerification(
  ctx: Ctx,
  id: string,
  reason: string,
): Promise<VerificationReviewView> {
  const by = requireActor(ctx).userId;
  const row = await withTransaction(ctx, async (tx) => {
    const current = await pendingToDecide(tx, id);
    const [updated] = await tx.db
      .update(verifications)
      .set({ status: 'rejected', reason, reviewedBy: by, reviewedAt: new Date() })
      .where(eq(verifications.id, id))
      .returning();
    if (!updated) throw new NotFound('verification');
    await publish(tx, professionalRejected, {
      aggregateId: current.userId,
      payload: { userId: current.userId, verificationId: id, role: current.role, reason, by },
    });
    await audit(tx, {
      action: 'verification.rejected',
      resource: { type: 'verification', id },
      before: { status: 'pending' },
      after: { status: 'rejected', reason },
      metadata: { userId: current.userId, role: current.role },
    });
    return updated;
  });
  return reviewView(ctx.db, row);
}

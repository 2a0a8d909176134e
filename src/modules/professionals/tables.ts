import { sql } from 'drizzle-orm';
import { index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, timestampMs, timestamps } from '../../platform/db/columns.ts';
import { users } from '../identity/tables.ts';

export const PROFESSIONAL_ROLES = ['agent', 'broker'] as const;
export type ProfessionalRole = (typeof PROFESSIONAL_ROLES)[number];

export const VERIFICATION_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

/** An agent's or broker's public profile: one per user. */
export const professionalProfiles = pgTable('professional_profiles', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  agencyName: text('agency_name').notNull(),
  licenseNumber: text('license_number'),
  bio: text('bio'),
  serviceAreas: text('service_areas').array().notNull().default(sql`'{}'`),
  languages: text('languages').array().notNull().default(sql`'{}'`),
  phone: text('phone'),
  website: text('website'),
  /** Public image key; null without a logo. */
  logoKey: text('logo_key'),
  ...timestamps(),
});

export type ProfessionalProfileRow = typeof professionalProfiles.$inferSelect;

/**
 * A KYC check: the documents are private files (never a public URL), read by moderators
 * through short-lived links. One pending check per user at a time.
 */
export const verifications = pgTable(
  'verifications',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The role approval grants. */
    role: text('role', { enum: PROFESSIONAL_ROLES }).notNull(),
    status: text('status', { enum: VERIFICATION_STATUSES }).notNull().default('pending'),
    idDocumentKey: text('id_document_key').notNull(),
    idDocumentType: text('id_document_type').notNull(),
    licenseKey: text('license_key').notNull(),
    licenseType: text('license_type').notNull(),
    /** Why it was rejected; the applicant sees it. */
    reason: text('reason'),
    reviewedBy: uuid('reviewed_by').references(() => users.id, { onDelete: 'set null' }),
    reviewedAt: timestampMs('reviewed_at'),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('verifications_one_pending').on(t.userId).where(sql`${t.status} = 'pending'`),
    index('verifications_user').on(t.userId, t.createdAt),
    index('verifications_status').on(t.status, t.createdAt, t.id),
  ],
);

export type VerificationRow = typeof verifications.$inferSelect;

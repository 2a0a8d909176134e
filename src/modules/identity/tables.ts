import { sql } from 'drizzle-orm';
import {
  boolean,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, timestampMs, timestamps } from '../../platform/db/columns.ts';

export const USER_STATUSES = ['unverified', 'active', 'suspended'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/**
 * One account for every part of Mercato. Emails are stored lower-cased and phones in E.164,
 * so the unique indexes compare what a person would call the same address.
 */
export const users = pgTable(
  'users',
  {
    id: id(),
    email: text('email'),
    phone: text('phone'),
    fullName: text('full_name').notNull(),
    /** argon2id (PHC string); null for accounts that sign in only by OAuth, OTP or links. */
    passwordHash: text('password_hash'),
    status: text('status', { enum: USER_STATUSES }).notNull().default('unverified'),
    verifiedAt: timestampMs('verified_at'),
    emailVerifiedAt: timestampMs('email_verified_at'),
    phoneVerifiedAt: timestampMs('phone_verified_at'),
    locale: text('locale').notNull().default('en'),
    timezone: text('timezone').notNull().default('UTC'),
    /** The storage key of the avatar's original; variants sit beside it. */
    avatarKey: text('avatar_key'),
    suspendedReason: text('suspended_reason'),
    /** An admin's suspension: only an admin lifts it. */
    suspendedByAdmin: boolean('suspended_by_admin').notNull().default(false),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('users_email_key').on(t.email),
    uniqueIndex('users_phone_key').on(t.phone),
    index('users_created').on(t.createdAt, t.id),
    index('users_search').using(
      'gin',
      sql`(coalesce(${t.email}, '') || ' ' || coalesce(${t.phone}, '') || ' ' || ${t.fullName}) gin_trgm_ops`,
    ),
  ],
);

export const ROLE_STATUSES = ['granted', 'pending'] as const;

/** A user's roles; `pending` ones (an unverified account, or an agent awaiting KYC) grant nothing. */
export const userRoles = pgTable(
  'user_roles',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    status: text('status', { enum: ROLE_STATUSES }).notNull(),
    grantedAt: timestampMs('granted_at'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.role] }), index('user_roles_role').on(t.role)],
);

/** A signed-in device: one refresh-token family. Revoking it ends the family at once. */
export const sessions = pgTable(
  'sessions',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** How the session began: password, otp, magic-link, oauth:google, ... */
    method: text('method').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
    lastUsedAt: timestampMs('last_used_at').notNull().defaultNow(),
    revokedAt: timestampMs('revoked_at'),
    revokedReason: text('revoked_reason'),
  },
  (t) => [index('sessions_user').on(t.userId)],
);

/** Opaque refresh tokens, stored as SHA-256 hashes. Spent once; a second use is theft. */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: id(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestampMs('expires_at').notNull(),
    usedAt: timestampMs('used_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('refresh_tokens_hash').on(t.tokenHash),
    index('refresh_tokens_session').on(t.sessionId),
  ],
);

export const CODE_PURPOSES = [
  'verify',
  'login',
  'password-reset',
  'contact-change',
  'magic-link',
] as const;
export type CodePurpose = (typeof CODE_PURPOSES)[number];

export const CHANNELS = ['email', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];

/** One-time codes and link tokens, stored as keyed hashes, never in clear. */
export const oneTimeCodes = pgTable(
  'one_time_codes',
  {
    id: id(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose', { enum: CODE_PURPOSES }).notNull(),
    channel: text('channel', { enum: CHANNELS }).notNull(),
    /** The email or phone the code went to. */
    destination: text('destination').notNull(),
    codeHash: text('code_hash').notNull(),
    attempts: integer('attempts').notNull().default(0),
    expiresAt: timestampMs('expires_at').notNull(),
    consumedAt: timestampMs('consumed_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('one_time_codes_lookup').on(t.purpose, t.destination, t.createdAt),
    index('one_time_codes_hash').on(t.codeHash),
  ],
);

/**
 * An email or phone moved to a new address. The old address is told, with a link that undoes
 * the change for `REVERT_DAYS`; a password reset to the new address waits a day.
 */
export const contactChanges = pgTable(
  'contact_changes',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    channel: text('channel', { enum: CHANNELS }).notNull(),
    /** The address before; null when the account had none on this channel. */
    previous: text('previous'),
    current: text('current').notNull(),
    /** The undo link's token, hashed; null when there was no previous address to send it to. */
    revertTokenHash: text('revert_token_hash'),
    revertExpiresAt: timestampMs('revert_expires_at'),
    revertedAt: timestampMs('reverted_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('contact_changes_user').on(t.userId, t.createdAt),
    uniqueIndex('contact_changes_revert').on(t.revertTokenHash),
  ],
);

/**
 * Failed passwords for an account (the email or phone tried, whether or not an account has it)
 * from one client address, and when the next try may come: each failure past the free ones
 * doubles the wait. The owner on another address is not slowed.
 */
export const signInFailures = pgTable(
  'sign_in_failures',
  {
    account: text('account').notNull(),
    client: text('client').notNull(),
    failures: integer('failures').notNull(),
    retryAt: timestampMs('retry_at').notNull(),
    updatedAt: timestampMs('updated_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.account, t.client] }),
    index('sign_in_failures_updated').on(t.updatedAt),
  ],
);

/** Accounts at an external identity provider (OAuth, Supabase) linked to a local user. */
export const externalIdentities = pgTable(
  'external_identities',
  {
    provider: text('provider').notNull(),
    subject: text('subject').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    email: text('email'),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.provider, t.subject] }),
    index('external_identities_user').on(t.userId),
  ],
);

/** OAuth authorization requests in flight: the state and its PKCE verifier, single use. */
export const oauthStates = pgTable('oauth_states', {
  stateHash: text('state_hash').primaryKey(),
  provider: text('provider').notNull(),
  codeVerifier: text('code_verifier').notNull(),
  /** The hash of the secret held by the browser (or app) that started the attempt. */
  bindingHash: text('binding_hash').notNull(),
  expiresAt: timestampMs('expires_at').notNull(),
  createdAt: createdAt(),
});

export const addresses = pgTable(
  'addresses',
  {
    id: id(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    label: text('label').notNull(),
    recipient: text('recipient').notNull(),
    phone: text('phone').notNull(),
    line1: text('line1').notNull(),
    line2: text('line2'),
    city: text('city').notNull(),
    region: text('region'),
    postalCode: text('postal_code'),
    countryCode: text('country_code').notNull(),
    lat: doublePrecision('lat'),
    lng: doublePrecision('lng'),
    isDefault: boolean('is_default').notNull().default(false),
    ...timestamps(),
  },
  (t) => [
    index('addresses_user').on(t.userId, t.createdAt),
    uniqueIndex('addresses_one_default').on(t.userId).where(sql`is_default`),
  ],
);

import { z } from '@hono/zod-openapi';
import { Phone } from '../identity/index.ts';
import { PROFESSIONAL_ROLES, VERIFICATION_STATUSES } from './tables.ts';

/** The professionals module's request and response contracts. */

export const MAX_SERVICE_AREAS = 20;
export const MAX_LANGUAGES = 10;

/** Keeps the first of entries that differ only in case. */
const unique = (items: string[]) => {
  const seen = new Set<string>();
  return items.filter((item) => {
    const folded = item.toLowerCase();
    if (seen.has(folded)) return false;
    seen.add(folded);
    return true;
  });
};

const Language = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z]{2}$/, { message: 'expected an ISO 639-1 language code such as am or en' });

const Website = z
  .url({
    protocol: /^https?$/,
    hostname: z.regexes.domain,
    message: 'expected an http or https address such as https://example.com',
  })
  .max(500);

/** Absent or null: the field is cleared, as PUT replaces the whole profile. */
const nullable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

export const ProfessionalUpsert = z
  .strictObject({
    agencyName: z.string().trim().min(2).max(120).openapi({ example: 'Bole Homes Realty' }),
    licenseNumber: nullable(z.string().trim().min(1).max(64)).openapi({ example: 'AA-RE-2041' }),
    bio: nullable(z.string().trim().min(1).max(2000)),
    serviceAreas: z
      .array(z.string().trim().min(1).max(80))
      .max(MAX_SERVICE_AREAS)
      .default([])
      .transform(unique)
      .openapi({
        example: ['Bole', 'Kazanchis'],
        description: `At most ${MAX_SERVICE_AREAS}; repeats (in any case) are dropped.`,
      }),
    languages: z
      .array(Language)
      .max(MAX_LANGUAGES)
      .default([])
      .transform(unique)
      .openapi({ example: ['am', 'en'], description: 'ISO 639-1 codes.' }),
    phone: nullable(Phone),
    website: nullable(Website).openapi({ example: 'https://bolehomes.example.com' }),
  })
  .openapi('ProfessionalUpsert');

export type ProfessionalInput = z.output<typeof ProfessionalUpsert>;

export const ProfessionalRoleName = z.enum(PROFESSIONAL_ROLES);

export const Professional = z
  .object({
    id: z.uuid().openapi({ description: 'The professional’s user id.' }),
    agencyName: z.string(),
    licenseNumber: z.string().nullable(),
    bio: z.string().nullable(),
    serviceAreas: z.array(z.string()),
    languages: z.array(z.string()),
    phone: z.string().nullable(),
    website: z.string().nullable(),
    logoUrl: z.url().nullable(),
    verified: z.boolean().openapi({
      description: 'A KYC check was approved for a role the professional still holds.',
    }),
    roles: z
      .array(ProfessionalRoleName)
      .openapi({ description: 'The agent and broker roles granted; pending ones are not here.' }),
    activeListings: z.number().int().openapi({ description: 'Listings on the market now.' }),
    memberSince: z.iso.datetime(),
  })
  .openapi('Professional');

export type ProfessionalView = z.infer<typeof Professional>;

export const Verification = z
  .object({
    id: z.uuid(),
    role: ProfessionalRoleName.openapi({ description: 'The role approval grants.' }),
    status: z.enum(VERIFICATION_STATUSES),
    reason: z.string().nullable().openapi({ description: 'Why it was rejected.' }),
    submittedAt: z.iso.datetime(),
    reviewedAt: z.iso.datetime().nullable(),
  })
  .openapi('Verification');

export type VerificationView = z.infer<typeof Verification>;

export const VerificationReview = Verification.extend({
  userId: z.uuid(),
  reviewedBy: z.uuid().nullable(),
  applicant: z.object({
    fullName: z.string(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    agencyName: z.string().nullable().openapi({ description: 'From their profile, if any.' }),
  }),
}).openapi('VerificationReview');

export type VerificationReviewView = z.infer<typeof VerificationReview>;

export const DOCUMENT_FIELDS = ['idDocument', 'license'] as const;
export type DocumentField = (typeof DOCUMENT_FIELDS)[number];

export const VerificationReviewDetail = VerificationReview.extend({
  documents: z.array(
    z.object({
      field: z.enum(DOCUMENT_FIELDS),
      contentType: z.string().openapi({ example: 'application/pdf' }),
      url: z.url().openapi({ description: 'Works until `expiresAt`, for whoever holds it.' }),
      expiresAt: z.iso.datetime(),
    }),
  ),
}).openapi('VerificationReviewDetail');

export type VerificationReviewDetailView = z.infer<typeof VerificationReviewDetail>;

import { z } from 'zod';
import { defineEvent } from '../../platform/events/events.ts';
import { PROFESSIONAL_ROLES } from './tables.ts';

const verificationRef = {
  userId: z.uuid(),
  verificationId: z.uuid(),
  role: z.enum(PROFESSIONAL_ROLES),
};

/** An agent or broker sent their documents: moderators have a check to review. */
export const professionalVerificationSubmitted = defineEvent(
  'professional.verification_submitted',
  z.object(verificationRef),
);

/** The check passed and the role is granted: the professional's listings go live unreviewed. */
export const professionalVerified = defineEvent(
  'professional.verified',
  z.object({ ...verificationRef, by: z.uuid() }),
);

/** The check failed; the role stays pending and the applicant may send new documents. */
export const professionalRejected = defineEvent(
  'professional.rejected',
  z.object({ ...verificationRef, reason: z.string(), by: z.uuid() }),
);

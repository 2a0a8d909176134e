import { can } from '../../platform/http/auth.ts';
import type { Ctx } from '../../platform/http/context.ts';
import { pendingRoles } from '../identity/index.ts';
import type { Listed } from './views.ts';
import type { ModerationRule, ReviewFlag } from './vocabulary.ts';

/**
 * The rules that send a listing to review instead of the market when it is published. Each is
 * code with a name; its reason (null when it does not fire) is what the moderator reads.
 */
interface Rule {
  readonly name: ModerationRule;
  readonly check: (ctx: Ctx, listing: Listed) => Promise<string | null>;
}

const rules: readonly Rule[] = [
  {
    name: 'unverified_professional',
    async check(ctx, listing) {
      if (ctx.actor && can(ctx.actor, 'listings.create')) return null;
      const pending = await pendingRoles(ctx.db, listing.ownerId);
      const role = pending.find((r) => r === 'agent' || r === 'broker');
      return role ? `The ${role} role still waits for its KYC check.` : null;
    },
  },
];

/** What fired for this listing, in rule order; empty: it may go live. */
export async function reviewFlags(ctx: Ctx, listing: Listed): Promise<ReviewFlag[]> {
  const flags: ReviewFlag[] = [];
  for (const rule of rules) {
    const reason = await rule.check(ctx, listing);
    if (reason) flags.push({ rule: rule.name, reason });
  }
  return flags;
}

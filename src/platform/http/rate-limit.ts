import type { Context, MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import type { Config } from '../../config.ts';
import { RateLimited } from '../core/errors.ts';
import { redisCoolingOff, redisFailed } from '../redis.ts';
import type { AppEnv } from './context.ts';
import { quotaHeaders } from './problem.ts';

/** Who a policy counts: the client address, the signed-in user (guests by address), or both. */
export type RateLimitKey = 'ip' | 'user' | ((c: Context<AppEnv>) => string);

export interface RateLimitPolicy {
  /** Names the counter; two routes with the same policy name share it. */
  readonly name: string;
  /** Requests allowed per window. */
  readonly points: number;
  /** The window, in seconds. */
  readonly duration: number;
  readonly key: RateLimitKey;
}

/** Stricter policies for routes that attackers hammer. */
export const policies = {
  /**
   * Sign-in, registration, OTP and password reset, per client address: brute force and SMS
   * pumping. AUTH_RATE_LIMIT_PER_MINUTE sets the points.
   */
  auth: (config: Config) =>
    ({ name: 'auth', points: config.authRateLimitPerMinute, duration: 60, key: 'ip' }) as const,
  /**
   * The same routes per account (the email or phone in the body), so one account cannot be
   * guessed at from many addresses: AUTH_RATE_LIMIT_PER_MINUTE per 15 minutes.
   */
  authAccount: (config: Config) =>
    ({ name: 'auth-account', points: config.authRateLimitPerMinute, duration: 900 }) as const,
  /**
   * Recovery (codes and links sent to the account's own address), per account and address: a
   * budget of its own, so nobody spending the sign-in budget keeps the owner from recovering.
   */
  authRecovery: (config: Config) =>
    ({ name: 'auth-recovery', points: config.authRateLimitPerMinute, duration: 900 }) as const,
  /**
   * Tries of the current password while signed in, per user: a stolen access token must not
   * be a way to guess the password. AUTH_RATE_LIMIT_PER_MINUTE per 15 minutes.
   */
  passwordChange: (config: Config) =>
    ({
      name: 'password-change',
      points: config.authRateLimitPerMinute,
      duration: 900,
      key: 'user',
    }) as const,
  /** Chat messages: spam. */
  messaging: { name: 'messaging', points: 30, duration: 60, key: 'user' },
  /**
   * Inquiries to listers, per sender (a guest by address): spam that lands in someone's inbox.
   * INQUIRY_RATE_LIMIT_PER_HOUR sets the points.
   */
  inquiries: (config: Config) =>
    ({
      name: 'inquiries',
      points: config.listings.inquiriesPerHour,
      duration: 3600,
      key: 'user',
    }) as const,
  /**
   * Checkouts, per user: each holds stock, cash on delivery without paying anything; a
   * shopper checks out a few times a day.
   */
  checkouts: { name: 'checkouts', points: 20, duration: 3600, key: 'user' },
  /** Listing reports, per user: cheap to send, and each one a moderator may have to read. */
  reports: { name: 'listing-reports', points: 20, duration: 3600, key: 'user' },
  /** Voucher code checks, per user: guessing codes, the unlisted ones above all. */
  voucherChecks: { name: 'voucher-checks', points: 30, duration: 900, key: 'user' },
  /**
   * The same checks per client address, so accounts made by the dozen do not multiply the
   * guesses; roomier, as many buyers may share an address behind a carrier's NAT.
   */
  voucherChecksByAddress: {
    name: 'voucher-checks-address',
    points: 200,
    duration: 900,
    key: 'ip',
  },
} as const;

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

export interface RateLimits {
  consume(policy: Omit<RateLimitPolicy, 'key'>, key: string): Promise<RateLimitDecision>;
}

/**
 * Counters in Redis when given, so every API instance shares them; in process memory
 * otherwise. If Redis fails (or failed a moment ago), each process counts in its own memory
 * rather than letting every request through or waiting on Redis.
 */
export function createRateLimits(options: { redis?: Redis; prefix: string }): RateLimits {
  const { redis } = options;
  const limiters = new Map<string, { shared?: RateLimiterAbstract; own: RateLimiterAbstract }>();
  const limitersFor = (policy: Omit<RateLimitPolicy, 'key'>) => {
    const id = `${policy.name}:${policy.points}:${policy.duration}`;
    let found = limiters.get(id);
    if (!found) {
      const base = {
        points: policy.points,
        duration: policy.duration,
        keyPrefix: `${options.prefix}rl:${id}`,
      };
      found = {
        own: new RateLimiterMemory(base),
        ...(redis ? { shared: new RateLimiterRedis({ ...base, storeClient: redis }) } : {}),
      };
      limiters.set(id, found);
    }
    return found;
  };
  /** A limiter's answer: its result when allowed, its rejection when not. */
  const attempt = async (limiter: RateLimiterAbstract, key: string) => {
    try {
      return { res: await limiter.consume(key), allowed: true };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return { res: rejection, allowed: false };
      throw rejection;
    }
  };
  return {
    async consume(policy, key) {
      const { shared, own } = limitersFor(policy);
      let outcome: { res: RateLimiterRes; allowed: boolean } | undefined;
      if (shared && redis && !redisCoolingOff(redis)) {
        outcome = await attempt(shared, key).catch(() => {
          redisFailed(redis);
          return undefined;
        });
      }
      outcome ??= await attempt(own, key);
      return {
        allowed: outcome.allowed,
        limit: policy.points,
        remaining: Math.max(0, outcome.res.remainingPoints),
        resetSeconds: Math.max(1, Math.ceil(outcome.res.msBeforeNext / 1000)),
      };
    },
  };
}

/**
 * The caller's address. Behind TRUST_PROXY_HOPS proxies it is the X-Forwarded-For entry that
 * many from the right: each proxy appends the address it was reached from, and whatever a
 * client writes stands to the left, so it cannot choose its address. With fewer entries than
 * proxies (a request that did not come through them all), and without proxies, it is the
 * socket's peer, which the runtime supplies, since reading it is runtime-specific.
 */
export function clientIp(c: Context<AppEnv>, config: Pick<Config, 'trustProxyHops'>): string {
  const hops = config.trustProxyHops;
  if (hops > 0) {
    const entries = (c.req.header('x-forwarded-for') ?? '').split(',').map((e) => e.trim());
    const forwarded = entries.length >= hops ? entries[entries.length - hops] : undefined;
    if (forwarded) return forwarded;
  }
  return c.get('remoteAddress') ?? 'unknown';
}

function keyOf(c: Context<AppEnv>, key: RateLimitKey): string {
  if (typeof key === 'function') return key(c);
  const userId = c.get('ctx').actor?.userId;
  return key === 'user' && userId ? `user:${userId}` : `ip:${clientIp(c, c.get('ctx').config)}`;
}

/** Counts one request against `policy` under `key`; 429 with Retry-After beyond the limit. */
export async function consumeLimit(
  c: Context<AppEnv>,
  policy: Omit<RateLimitPolicy, 'key'>,
  key: string,
): Promise<Record<string, string>> {
  const decision = await c.get('rateLimits').consume(policy, key);
  const quota = {
    limit: decision.limit,
    remaining: decision.remaining,
    resetSeconds: decision.resetSeconds,
    windowSeconds: policy.duration,
  };
  if (!decision.allowed) {
    throw new RateLimited(
      decision.resetSeconds,
      `Rate limit "${policy.name}" exceeded: ${policy.points} requests per ${policy.duration} s.`,
      { quota },
    );
  }
  const headers = quotaHeaders(quota);
  return headers;
}

/**
 * Counts a request against `policy` (or the policy the config gives); over the limit it
 * answers 429 problem+json with Retry-After. Every answer carries the IETF RateLimit-*
 * headers of the strictest policy seen.
 */
export function rateLimit(
  policy: RateLimitPolicy | ((config: Config) => RateLimitPolicy),
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const resolved = typeof policy === 'function' ? policy(c.get('ctx').config) : policy;
    const headers = await consumeLimit(c, resolved, keyOf(c, resolved.key));
    const remaining = Number(headers['RateLimit-Remaining']);
    await next();
    // An inner (route) policy has already set its headers; keep whichever has less left.
    const inner = Number(c.res.headers.get('RateLimit-Remaining') ?? Number.POSITIVE_INFINITY);
    if (remaining <= inner) {
      for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
    }
  };
}

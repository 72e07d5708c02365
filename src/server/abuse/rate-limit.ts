import { isPartner } from '../../auth/principal';
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Principal } from '../../auth/principal';
import type { RateLimitSettings } from '../../config';
import type { RedisClient } from '../redis';

/** Takes `operations` from the principal's budget (a batch costs one per operation), or throws RATE_LIMITED. */
export type RateLimit = (principal: Principal, operations?: number) => Promise<void>;

/**
 * Requests with a bad or missing token, counted per client address: past the
 * budget an address is refused before its tokens are even checked, so a
 * token-guessing flood costs little and cannot exhaust the identity
 * provider's key endpoint.
 */
export interface FailedAuthenticationLimit {
  /** Throws RATE_LIMITED while the address has no failures left in this window. */
  check(address: string): Promise<void>;
  recordFailure(address: string): Promise<void>;
}

/**
 * A fixed budget of requests per principal per window: staff by their id,
 * partners by theirs, each partner with the lower partner budget. With Redis
 * every instance draws on the same budget; while Redis is down each instance
 * falls back to its own in-memory count rather than refusing everyone.
 */
export function createRateLimits(
  settings: RateLimitSettings,
  redis?: RedisClient,
): { perPrincipal: RateLimit; failedAuthentication: FailedAuthenticationLimit } {
  const limiter = (points: number, keyPrefix: string): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ points, duration: settings.windowSeconds, keyPrefix });
    if (!redis) return memory;
    return new RateLimiterRedis({
      storeClient: redis,
      useRedisPackage: true,
      rejectIfRedisNotReady: true,
      points,
      duration: settings.windowSeconds,
      keyPrefix: `c360:ratelimit:${keyPrefix}`,
      insuranceLimiter: memory,
    });
  };
  const staff = limiter(settings.staff, 'staff');
  const partner = limiter(settings.partner, 'partner');
  const failures = limiter(settings.failedAuthentication, 'failed-auth');

  const perPrincipal: RateLimit = async (principal, operations = 1) => {
    try {
      await (isPartner(principal) ? partner : staff).consume(principal.id, operations);
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) throw outcome;
      throw rateLimited(retryAfterOf(outcome));
    }
  };

  const failedAuthentication: FailedAuthenticationLimit = {
    async check(address) {
      const used = await failures.get(address).catch(() => null);
      if (used && used.remainingPoints <= 0) throw rateLimited(retryAfterOf(used));
    },
    async recordFailure(address) {
      // Over the budget already: nothing more to count.
      await failures.consume(address).catch(() => undefined);
    },
  };

  return { perPrincipal, failedAuthentication };
}

const retryAfterOf = (outcome: RateLimiterRes) => Math.max(1, Math.ceil(outcome.msBeforeNext / 1000));

function rateLimited(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(`Too many requests; retry in ${retryAfterSeconds} s`, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfter: retryAfterSeconds,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
    },
  });
}

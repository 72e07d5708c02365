import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  JWTPayload,
  jwtVerify,
  JWTVerifyGetKey,
} from 'jose';
import { LRUCache } from 'lru-cache';
import { appError } from '../common/errors';
import type { Principal } from './principal';
import { canonicalUuid, isPartner } from './principal';
import { Role, ROLES } from './roles';

export interface TokenSettings {
  /** HS256 shared secret; used unless a JWKS URL is set. */
  secret?: string;
  /** RS256 public keys from a JWKS endpoint. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

export type TokenVerifier = (authorization: string | undefined) => Promise<Principal>;

/** Clocks of issuers and gateway instances drift; PRODUCT.md §4 tolerates 30 s. */
const CLOCK_TOLERANCE_SECONDS = 30;

const MALFORMED = 'The token is malformed';

/** Distinct tokens remembered per instance once verified (a few MB at most), each for at most a minute. */
const VERIFIED_TOKENS = 10_000;
const REMEMBER_AT_MOST_MS = 60_000;

/**
 * Verifies `Authorization: Bearer <JWT>` and returns the principal, or throws
 * UNAUTHENTICATED. jose does the cryptography; the algorithm is pinned to the
 * one configured, so `alg: none` and algorithm-confusion tokens (an HS256
 * token signed with an RSA public key) are refused before any key is used.
 */
export function createTokenVerifier(settings: TokenSettings): TokenVerifier {
  const { key, algorithm } = keyFor(settings);
  // A client reuses its token for minutes, and checking the signature through
  // WebCrypto was about 5% of a 360° view's CPU: a token that verified is
  // remembered until it expires. The key is the whole token, signature
  // included, so only a token that verified can ever hit.
  // Wall-clock TTLs, like the tokens' own exp.
  const verified = new LRUCache<string, Principal>({
    max: VERIFIED_TOKENS,
    perf: { now: () => Date.now() },
    ttlResolution: 0, // read the clock on every lookup, never a cached reading
  });
  return async (authorization) => {
    // A client that sent something it thinks is a token needs to hear that it is the token that is wrong,
    // not that none arrived, or it goes looking for a header that its proxy dropped.
    if (!authorization) throw unauthenticated('A bearer token is required');
    const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]*)$/.exec(authorization)?.[1];
    if (!token) throw unauthenticated(MALFORMED);
    const known = verified.get(token);
    if (known) return known;
    // Decoded apart from verification, so that "malformed" does not depend on the order of jose's own checks.
    try {
      decodeProtectedHeader(token);
      decodeJwt(token);
    } catch {
      throw unauthenticated(MALFORMED);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key as JWTVerifyGetKey, {
        algorithms: [algorithm],
        issuer: settings.issuer,
        audience: settings.audience,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw unauthenticated(error instanceof errors.JWTExpired ? 'The token has expired' : 'The token is not valid');
    }
    const principal = toPrincipal(payload);
    // Until exp only (past it, each use is verified again and refused once past the tolerance),
    // and at most a minute, so a key withdrawn from the JWKS stops working about as fast as jose notices.
    const untilExpiry = payload.exp! * 1000 - Date.now();
    if (untilExpiry > 0) verified.set(token, principal, { ttl: Math.min(untilExpiry, REMEMBER_AT_MOST_MS) });
    return principal;
  };
}

function keyFor(settings: TokenSettings): { key: Uint8Array | JWTVerifyGetKey; algorithm: string } {
  if (settings.jwksUrl) return { key: createRemoteJWKSet(new URL(settings.jwksUrl)), algorithm: 'RS256' };
  if (settings.secret) return { key: new TextEncoder().encode(settings.secret), algorithm: 'HS256' };
  throw new Error('Token verification needs JWT_SECRET or JWT_JWKS_URL');
}

function toPrincipal(payload: JWTPayload): Principal {
  const { sub, roles, branchId, scopes } = payload as JWTPayload & Record<string, unknown>;
  if (typeof sub !== 'string' || sub === '') throw unauthenticated('The token has no subject');
  const known = Array.isArray(roles) ? roles.filter((r): r is Role => typeof r === 'string' && ROLES.has(r)) : [];
  if (known.length === 0) throw unauthenticated('The token carries no known role');
  const partner = isPartner({ roles: known });
  // A partner is never staff: a token mixing them would take whichever rules are looser.
  if (partner && known.some((role) => role !== Role.PARTNER)) {
    throw unauthenticated('A token carries either the PARTNER role or staff roles, not both');
  }
  const id = partner ? sub : canonicalUuid(sub);
  if (id === undefined) throw unauthenticated("A staff token's subject must be the staff member's UUID");
  // Frozen: a remembered principal is shared by every request that carries the token.
  return Object.freeze({
    id,
    roles: Object.freeze([...new Set(known)]) as Role[],
    branchId: typeof branchId === 'string' && branchId !== '' ? (canonicalUuid(branchId) ?? branchId) : undefined,
    scopes: Object.freeze(
      Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [],
    ) as string[],
  });
}

function unauthenticated(message: string) {
  return appError('UNAUTHENTICATED', message, { http: { status: 401 } });
}

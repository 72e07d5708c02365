import { createRemoteJWKSet, errors, JWTPayload, jwtVerify, JWTVerifyGetKey } from 'jose';
import { appError } from '../common/errors';
import type { Principal } from './principal';
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

/**
 * Verifies `Authorization: Bearer <JWT>` and returns the principal, or throws
 * UNAUTHENTICATED. jose does the cryptography; the algorithm is pinned to the
 * one configured, so `alg: none` and algorithm-confusion tokens (an HS256
 * token signed with an RSA public key) are refused before any key is used.
 */
export function createTokenVerifier(settings: TokenSettings): TokenVerifier {
  const { key, algorithm } = keyFor(settings);
  return async (authorization) => {
    const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]*)$/.exec(authorization ?? '')?.[1];
    if (!token) throw unauthenticated('A bearer token is required');
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
    return toPrincipal(payload);
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
  return {
    id: sub,
    roles: [...new Set(known)],
    branchId: typeof branchId === 'string' && branchId !== '' ? branchId : undefined,
    scopes: Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [],
  };
}

function unauthenticated(message: string) {
  return appError('UNAUTHENTICATED', message, { http: { status: 401 } });
}

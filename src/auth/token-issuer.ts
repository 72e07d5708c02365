import { SignJWT } from 'jose';

export interface TokenClaims {
  sub: string;
  roles: string[];
  branchId?: string;
  scopes?: string[];
}

/**
 * Signs an HS256 token: for local use (`npm run token`) and tests. In
 * production tokens come from the bank's identity provider.
 */
export function signToken(
  claims: TokenClaims,
  secret: string,
  options: { expiresIn?: string | number; issuer?: string; audience?: string; notBefore?: string | number } = {},
): Promise<string> {
  const { sub, ...rest } = claims;
  const jwt = new SignJWT({ ...rest })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '8h');
  if (options.issuer) jwt.setIssuer(options.issuer);
  if (options.audience) jwt.setAudience(options.audience);
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
  return jwt.sign(new TextEncoder().encode(secret));
}

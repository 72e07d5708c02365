/**
 * Prints a signed HS256 token for local use, with the configured JWT_SECRET
 * (the development secret when unset).
 *   npm run token -- --role RELATIONSHIP_MANAGER [--sub <staff id>] [--branch <branch id>] [--scopes a,b] [--expires 8h]
 * --role may be repeated or comma-separated. Without --sub the token speaks
 * for a demo staff member of the first role (and their branch), or the first
 * demo partner.
 */
import { parseArgs } from 'node:util';
import { Role, ROLES } from '../src/auth/roles';
import { signToken } from '../src/auth/token-issuer';
import { loadConfig } from '../src/config';
import { demoCallerFor } from '../src/seed/demo-staff';

async function main() {
  const { values } = parseArgs({
    options: {
      role: { type: 'string', multiple: true },
      sub: { type: 'string' },
      branch: { type: 'string' },
      scopes: { type: 'string' },
      expires: { type: 'string', default: '8h' },
    },
  });
  const roles = (values.role ?? []).flatMap((r) => r.split(',')).filter(Boolean);
  if (roles.length === 0) throw new Error('usage: npm run token -- --role ROLE [--sub ID] [--branch B] [--scopes a,b]');
  const unknown = roles.filter((r) => !ROLES.has(r));
  if (unknown.length) throw new Error(`unknown role(s): ${unknown.join(', ')}; known: ${[...ROLES].join(', ')}`);
  const demo = values.sub ? undefined : demoCallerFor(roles[0] as Role);

  const config = loadConfig();
  if (!config.auth.secret) throw new Error('JWT_SECRET is not set');
  const token = await signToken(
    {
      sub: values.sub ?? demo!.sub,
      roles,
      branchId: values.branch ?? demo?.branchId,
      scopes: values.scopes?.split(',').filter(Boolean),
    },
    config.auth.secret,
    { expiresIn: values.expires, issuer: config.auth.issuer, audience: config.auth.audience },
  );
  console.log(token);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

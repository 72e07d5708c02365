import { Role } from '../../src/auth/roles';
import { signToken } from '../../src/auth/token-issuer';
import { createTokenVerifier } from '../../src/auth/token-verifier';
import { staffId } from '../support/staff-ids';

const SECRET = 'unit-test-secret-unit-test-secret-0123456';

describe('token verification', () => {
  afterEach(() => jest.useRealTimers());

  it('refuses a token once it has expired, even one it verified before', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-27T10:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
    const verify = createTokenVerifier({ secret: SECRET });
    const token = await signToken({ sub: staffId('rm-1'), roles: [Role.RELATIONSHIP_MANAGER] }, SECRET, {
      expiresIn: '60s',
    });
    const bearer = `Bearer ${token}`;

    expect((await verify(bearer)).id).toBe(staffId('rm-1'));
    expect((await verify(bearer)).id).toBe(staffId('rm-1'));

    jest.setSystemTime(new Date('2026-11-27T10:01:20Z')); // past exp, inside the 30 s tolerance
    expect((await verify(bearer)).id).toBe(staffId('rm-1'));

    jest.setSystemTime(new Date('2026-11-27T10:01:31Z')); // past the tolerance
    await expect(verify(bearer)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('never lets a token with another signature borrow a verified one', async () => {
    const verify = createTokenVerifier({ secret: SECRET });
    const token = await signToken({ sub: staffId('rm-1'), roles: [Role.RELATIONSHIP_MANAGER] }, SECRET, {
      expiresIn: '5m',
    });
    await verify(`Bearer ${token}`);
    const forged = await signToken({ sub: staffId('rm-1'), roles: [Role.RELATIONSHIP_MANAGER] }, 'x'.repeat(40), {
      expiresIn: '5m',
    });
    await expect(verify(`Bearer ${forged}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('hands out a principal no request can change for the next', async () => {
    const verify = createTokenVerifier({ secret: SECRET });
    const token = await signToken({ sub: staffId('rm-1'), roles: [Role.RELATIONSHIP_MANAGER] }, SECRET, {
      expiresIn: '5m',
    });
    const principal = await verify(`Bearer ${token}`);
    expect(() => principal.roles.push(Role.COMPLIANCE_AUDITOR)).toThrow(TypeError);
    expect((await verify(`Bearer ${token}`)).roles).toEqual([Role.RELATIONSHIP_MANAGER]);
  });
});

import type { ApolloServerPlugin } from '@apollo/server';
import { isPartner } from '../auth/principal';
import { appError } from '../common/errors';
import type { RequestContext } from '../request/context';
import { refusal } from './errors';

/**
 * Every mutation by a staff token is refused (FORBIDDEN) unless its subject
 * is a member of the staff directory: checked once per operation, before any
 * resolver, so no mutation (today's or one added later) can fail half-way on
 * an author that does not exist. Partners are checked by scope and consent.
 */
export const staffWritesNeedAStaffMember: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, contextValue }) {
        if (operation?.operation !== 'mutation' || isPartner(contextValue.principal)) return;
        const member = await contextValue.services.staff.isMember(contextValue.principal.id).catch((error) => {
          throw refusal(error);
        });
        if (member) return;
        throw appError('FORBIDDEN', 'Writes need a token whose subject is a member of the staff directory', {
          reason: 'UNKNOWN_STAFF_MEMBER',
          http: { status: 403 },
        });
      },
    };
  },
};

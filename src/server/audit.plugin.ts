import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../request/context';
import { answeredUnavailable, describeSafely, errorBody } from './errors';
import { logger } from '../telemetry/logger';

/**
 * Writes the request's read audit (fields returned in full, sensitive
 * filters run, and what it was refused) before the response leaves, in one statement. If it cannot be written the client gets SERVICE_UNAVAILABLE
 * instead of the data: a read that left no record must not be served.
 */
export const auditPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response, operationName }) {
        const trail = contextValue.audit;
        if (!trail || trail.isEmpty) return;
        try {
          await contextValue.services.audit.recordReads(
            contextValue,
            trail.entries(),
            trail.filters(),
            operationName ?? null,
            trail.refusals(),
          );
        } catch (error) {
          logger.error(
            { ...describeSafely(error), requestId: contextValue.requestId },
            'audit write failed; response withheld',
          );
          // The record waits for a primary (a failover, PRODUCT.md §4): the same request succeeds once one takes it.
          answeredUnavailable(response.http);
          response.body = {
            kind: 'single',
            singleResult: errorBody(
              'SERVICE_UNAVAILABLE',
              'The service is unavailable; please retry',
              contextValue.requestId,
            ),
          };
        }
      },
    };
  },
};

import type { ApolloServerPlugin } from '@apollo/server';
import { DataSource } from 'typeorm';
import { AuditTrail } from '../modules/audit/audit-trail';
import type { RequestContext } from './context';
import type { Config } from '../config';
import type { CallerView } from '../privacy/caller-view';
import { createCampaignLoaders } from '../modules/campaign/campaign.loaders';
import { createConsentLoaders } from '../modules/consent/consent.loaders';
import { createCustomerLoaders } from '../modules/customer/customer.loaders';
import { createHoldingLoaders, createProductCache } from '../modules/holding/holding.loaders';
import { createInteractionLoaders } from '../modules/interaction/interaction.loaders';
import { createOrganisationCache, createOrganisationLoaders } from '../modules/organisation/organisation.loaders';
import { createRiskLoaders } from '../modules/risk/risk.loaders';
import { createTagLoaders } from '../modules/tag/tag.loaders';
import type { Keyring } from '../privacy/encryption/keyring';

/** Reference rows cached for the whole process (src/db/reference-cache.ts): no customer data in them. */
export function createReferenceData(ds: DataSource) {
  return { organisation: createOrganisationCache(ds), products: createProductCache(ds) };
}

export type ReferenceData = ReturnType<typeof createReferenceData>;

/**
 * Every loader lives for one request: callers with different rights must
 * never share cached rows, and a request must see its own writes.
 */

/**
 * Loaders hand out rows as loaded; the caller's access plan is applied where
 * each object reaches the caller (privacy/enforce.ts), whatever loaded it.
 */
export function createLoaders(
  ds: DataSource,
  config: Config,
  caller: CallerView,
  reference: ReferenceData,
  keyring: Keyring,
) {
  const organisation = createOrganisationLoaders(reference.organisation);
  return {
    customer: createCustomerLoaders(ds, config, caller, organisation, keyring),
    organisation,
    tag: createTagLoaders(ds),
    holding: createHoldingLoaders(ds, reference.products),
    interaction: createInteractionLoaders(ds, config.contactCaps),
    campaign: createCampaignLoaders(ds),
    risk: createRiskLoaders(ds),
    consent: createConsentLoaders(ds),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/**
 * Stands in for `ctx.loaders` from the moment the context is made until the
 * operation is known. Loaders are built once per operation, by
 * perOperationState below, because only then is it known where they must
 * read (the primary, for a mutation) and which audit trail they write to (a
 * batch's operation has its own). A read of this stand-in is a plugin or hook
 * asking for loaders too early: it throws, naming the loader it asked for,
 * rather than quietly reading from the wrong database.
 */
export const LOADERS_NOT_YET_BUILT = new Proxy({} as Loaders, {
  get(_target, name) {
    // Symbols (util.inspect, a promise check) are asked by tooling, not by code that wants a loader.
    if (typeof name === 'symbol') return undefined;
    throw new Error(
      `ctx.loaders.${name} was read before the operation was resolved: loaders are built in didResolveOperation`,
    );
  },
});

/**
 * State that belongs to one operation rather than one HTTP request, set once
 * the operation is known and before any resolver runs (Apollo hands each
 * operation of a batch its own shallow copy of the context):
 * - a mutation reads its results from the primary, which has its write (a
 *   replica may lag behind it);
 * - each operation of a batched request gets its own audit trail, so its
 *   audit records name it alone, and its own list of lists withheld for
 *   small cohorts (the rest of its privacy, plans and caches, is shared);
 * - the loaders, built here and nowhere else: once per operation, over the
 *   reads and the audit trail just settled.
 */
export function perOperationState(
  primary: DataSource,
  config: Config,
  reference: ReferenceData,
  keyring: Keyring,
): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ requestIsBatched }) {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (operation?.operation === 'mutation') contextValue.reads = primary;
          if (requestIsBatched) {
            contextValue.audit = new AuditTrail();
            // Each operation answers the lists it withheld, not its batch neighbours' (errors.ts withheldListErrors).
            contextValue.privacy = Object.assign(Object.create(contextValue.privacy), {
              cohorts: contextValue.privacy.cohorts.forOperation(),
            });
          }
          const { reads, today, privacy, scope, audit } = contextValue;
          contextValue.loaders = createLoaders(reads, config, { today, privacy, scope, audit }, reference, keyring);
        },
      };
    },
  };
}

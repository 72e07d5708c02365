import type { ApolloServerPlugin } from '@apollo/server';
import { DataSource } from 'typeorm';
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
 * Loaders of private data apply the caller's access plan to each object as it
 * loads; that is the only place masking and denial happen.
 */
export function createLoaders(ds: DataSource, config: Config, caller: CallerView, reference: ReferenceData) {
  return {
    customer: createCustomerLoaders(ds, config, caller),
    organisation: createOrganisationLoaders(reference.organisation),
    tag: createTagLoaders(ds),
    holding: createHoldingLoaders(ds, caller, reference.products),
    interaction: createInteractionLoaders(ds),
    campaign: createCampaignLoaders(ds),
    risk: createRiskLoaders(ds, caller),
    consent: createConsentLoaders(ds),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/**
 * Queries read from a replica; a mutation's results are read from the
 * primary, which has its write (a replica may lag behind it). Swapped in
 * once the operation is known, before any resolver runs.
 */
export function readYourWrites(
  primary: DataSource,
  config: Config,
  reference: ReferenceData,
): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (operation?.operation !== 'mutation') return;
          const { today, privacy, scope, audit } = contextValue;
          contextValue.reads = primary;
          contextValue.loaders = createLoaders(primary, config, { today, privacy, scope, audit }, reference);
        },
      };
    },
  };
}

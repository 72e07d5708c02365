import { DataSource } from 'typeorm';
import type { Config } from '../config';
import { createCampaignLoaders } from '../modules/campaign/campaign.loaders';
import { createConsentLoaders } from '../modules/consent/consent.loaders';
import { createCustomerLoaders } from '../modules/customer/customer.loaders';
import { createHoldingLoaders } from '../modules/holding/holding.loaders';
import { createInteractionLoaders } from '../modules/interaction/interaction.loaders';
import { createOrganisationLoaders } from '../modules/organisation/organisation.loaders';
import { createRiskLoaders } from '../modules/risk/risk.loaders';
import { createTagLoaders } from '../modules/tag/tag.loaders';

/**
 * Every loader lives for one request: callers with different rights must
 * never share cached rows, and a request must see its own writes.
 */
export function createLoaders(ds: DataSource, config: Config, today: string) {
  return {
    customer: createCustomerLoaders(ds, config, today),
    organisation: createOrganisationLoaders(ds),
    tag: createTagLoaders(ds),
    holding: createHoldingLoaders(ds),
    interaction: createInteractionLoaders(ds),
    campaign: createCampaignLoaders(ds),
    risk: createRiskLoaders(ds),
    consent: createConsentLoaders(ds),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

import 'reflect-metadata';
import { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { MeResolver } from '../auth/me.resolver';
import {
  CampaignEnrollmentResolver,
  CampaignResolver,
  CustomerCampaignsResolver,
} from '../modules/campaign/campaign.resolver';
import { CustomerConsentsResolver } from '../modules/consent/consent.resolver';
import { CustomerResolver } from '../modules/customer/customer.resolver';
import {
  CustomerHoldingsResolver,
  HoldingProductResolver,
  ProductCatalogueResolver,
} from '../modules/holding/holding.resolver';
import { CustomerInteractionsResolver } from '../modules/interaction/interaction.resolver';
import { CustomerOrganisationResolver } from '../modules/organisation/organisation.resolver';
import { CustomerRiskResolver } from '../modules/risk/risk.resolver';
import { CustomerTagsResolver, TagCatalogueResolver } from '../modules/tag/tag.resolver';

export const resolvers = [
  MeResolver,
  CustomerResolver,
  CustomerOrganisationResolver,
  TagCatalogueResolver,
  CustomerTagsResolver,
  ProductCatalogueResolver,
  CustomerHoldingsResolver,
  HoldingProductResolver,
  CustomerInteractionsResolver,
  CampaignResolver,
  CampaignEnrollmentResolver,
  CustomerCampaignsResolver,
  CustomerRiskResolver,
  CustomerConsentsResolver,
] as const;

let built: Promise<GraphQLSchema> | undefined;

/** The schema is built once per process: type-graphql's metadata is global. */
export function getSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers, validate: false });
  return built;
}

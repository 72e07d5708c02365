import 'reflect-metadata';
import { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { MeResolver } from '../auth/me.resolver';
import { policyGaps } from '../privacy/coverage';
import { enforcePrivacy } from '../privacy/enforce';
import { withRootRules } from '../privacy/shield';
import { resolveComputedFields } from './executor';
import { AuditResolver } from '../modules/audit/audit.resolver';
import { DataSubjectResolver } from '../modules/data-subject/data-subject.resolver';
import { CampaignMutationResolver } from '../modules/campaign/campaign-mutations.resolver';
import { CampaignCostResolver } from '../modules/campaign/campaign-cost.resolver';
import { EnrollmentResolver } from '../modules/campaign/enrollment.resolver';
import { ConsentMutationResolver } from '../modules/consent/consent-mutations.resolver';
import { TagMutationResolver } from '../modules/tag/tag-mutations.resolver';
import { CampaignResolver, CustomerCampaignsResolver } from '../modules/campaign/campaign.resolver';
import { CustomerConsentsResolver } from '../modules/consent/consent.resolver';
import { CustomerResolver } from '../modules/customer/customer.resolver';
import { CustomerHoldingsResolver, ProductCatalogueResolver } from '../modules/holding/holding.resolver';
import { CustomerInteractionsResolver, InteractionMutationResolver } from '../modules/interaction/interaction.resolver';
import { ContactComplianceResolver } from '../modules/interaction/contact-compliance.resolver';
import { CustomerContactAllowanceResolver } from '../modules/interaction/contact-allowance';
import { CustomerRiskResolver } from '../modules/risk/risk.resolver';
import { CustomerTagsResolver, TagCatalogueResolver } from '../modules/tag/tag.resolver';
import { TaskResolver } from '../modules/task/task.resolver';
import { LeadResolver } from '../modules/lead/lead.resolver';
import { PolicyShadowResolver } from '../modules/privacy-shadow/policy-shadow.resolver';
import { RevealResolver } from '../modules/reveal/reveal.resolver';

export const resolvers = [
  MeResolver,
  AuditResolver,
  DataSubjectResolver,
  CustomerResolver,
  TagCatalogueResolver,
  CustomerTagsResolver,
  ProductCatalogueResolver,
  CustomerHoldingsResolver,
  CustomerInteractionsResolver,
  InteractionMutationResolver,
  ContactComplianceResolver,
  CustomerContactAllowanceResolver,
  CampaignResolver,
  CampaignMutationResolver,
  CampaignCostResolver,
  EnrollmentResolver,
  TagMutationResolver,
  ConsentMutationResolver,
  CustomerCampaignsResolver,
  CustomerRiskResolver,
  CustomerConsentsResolver,
  TaskResolver,
  LeadResolver,
  PolicyShadowResolver,
  RevealResolver,
] as const;

let built: Promise<GraphQLSchema> | undefined;

/**
 * The schema is built once per process (type-graphql's metadata is global),
 * then checked against the privacy policy, its object fields put behind the
 * policy (privacy/enforce.ts) and its root fields behind shield. A field
 * without a policy entry stops the server from starting. Fields that may hold
 * a function or a promise get an explicit resolver, for graphql-jit.
 */
export function getSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers, validate: true }).then((schema) => {
    const gaps = policyGaps(schema);
    if (gaps.length) throw new Error(`The privacy policy does not cover the schema:\n  ${gaps.join('\n  ')}`);
    return resolveComputedFields(withRootRules(enforcePrivacy(schema)));
  });
  return built;
}

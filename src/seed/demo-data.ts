import { generateConsents, generateEnrollments, generateRiskAssessments, generateTags } from './engagement';
import { generateAumSnapshots, generateHoldings } from './holdings';
import { generateInteractions } from './interactions';
import { generateProfile } from './profile';
import { Rng, STREAM_CUSTOMER, WeightedTable } from './random';
import { CampaignInfo, enrollableCampaigns, ReferenceData } from './reference-data';
import { CustomerChunk } from './rows';

/**
 * Customers and everything they own, one chunk at a time. Each customer
 * draws from a generator seeded by (seed, customer index) alone, so a
 * customer's rows do not depend on how the run is chunked or how many
 * customers come before it: chunks are independent and memory stays flat.
 */

export { generateReferenceData } from './reference-data';
export type { ReferenceData } from './reference-data';

interface ChunkContext {
  branchTable: WeightedTable<number>;
  campaigns: CampaignInfo[];
}

const contexts = new WeakMap<ReferenceData, ChunkContext>();

function contextOf(ref: ReferenceData): ChunkContext {
  let context = contexts.get(ref);
  if (!context) {
    context = {
      branchTable: new WeightedTable(ref.branches.map((b, i) => [i, b.weight] as const)),
      campaigns: enrollableCampaigns(ref),
    };
    contexts.set(ref, context);
  }
  return context;
}

export function emptyChunk(): CustomerChunk {
  return {
    customer: [],
    customer_aum_snapshot: [],
    customer_tag: [],
    holding: [],
    risk_assessment: [],
    consent: [],
    campaign_enrollment: [],
    interaction: [],
  };
}

/** Customers with indexes start..start+count-1 (customer numbers start+1..). */
export function generateCustomerChunk(ref: ReferenceData, start: number, count: number): CustomerChunk {
  const context = contextOf(ref);
  const chunk = emptyChunk();
  for (let index = start; index < start + count; index++) {
    const rng = new Rng(ref.seed, STREAM_CUSTOMER, index);
    const profile = generateProfile(ref, context.branchTable, index, rng);
    chunk.customer.push(profile.row);
    const facts = generateHoldings(ref, profile, chunk.holding);
    generateAumSnapshots(ref, profile, chunk.customer_aum_snapshot);
    const risk = generateRiskAssessments(ref, profile, chunk.risk_assessment);
    generateTags(ref, profile, facts, chunk.customer_tag);
    const consents = generateConsents(ref, profile, chunk.consent);
    generateInteractions(ref, profile, chunk.interaction);
    generateEnrollments(ref, profile, context.campaigns, consents, risk, chunk.campaign_enrollment, chunk.interaction);
  }
  return chunk;
}

/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type AgeBand =
  | 'AGE_25_34'
  | 'AGE_35_44'
  | 'AGE_45_54'
  | 'AGE_55_64'
  | 'AGE_65_PLUS'
  | 'UNDER_25'
  | '%future added value';

/** AUM band; edges follow the configured tier thresholds. */
export type AumBand =
  | 'FROM_50K_TO_500K'
  | 'FROM_500K_TO_6M'
  | 'OVER_6M'
  | 'UNDER_50K'
  | '%future added value';

export type CampaignResponseInput = {
  campaignId: string;
  /** True when the customer took the offer (CONVERTED), false for a response only. */
  converted: boolean;
  customerNo: string;
  externalRef?: string | null | undefined;
  /** Revenue of a conversion, in CNY. */
  revenue?: string;
};

export type CampaignStatus =
  | 'ACTIVE'
  | 'APPROVED'
  | 'CANCELLED'
  | 'COMPLETED'
  | 'DRAFT'
  | 'PENDING_APPROVAL'
  | 'REJECTED'
  | '%future added value';

export type Channel =
  | 'BRANCH'
  | 'CALL_CENTER'
  | 'MOBILE_APP'
  | 'PARTNER'
  | 'SMS'
  | 'WEB'
  | 'WECHAT'
  | '%future added value';

/** Warning signs comparing the last churn window (90 days by default) with the one before. */
export type ChurnSignal =
  | 'AUM_DROP'
  | 'COMPLAINTS_RISING'
  | 'LOGIN_DECLINE'
  | '%future added value';

export type ConsentPurpose =
  | 'MARKETING'
  | 'PARTNER_SHARING'
  | 'PERSONALISED_MARKETING'
  | '%future added value';

export type EnrollmentStatus =
  | 'CONTACTED'
  | 'CONVERTED'
  | 'OPTED_OUT'
  | 'RESPONDED'
  | 'TARGETED'
  | '%future added value';

export type Gender =
  | 'FEMALE'
  | 'MALE'
  | 'UNSPECIFIED'
  | '%future added value';

export type HoldingStatus =
  | 'ACTIVE'
  | 'CLOSED'
  | 'MATURED'
  | '%future added value';

export type InteractionType =
  | 'CAMPAIGN_CONTACT'
  | 'CAMPAIGN_RESPONSE'
  | 'COMPLAINT'
  | 'INQUIRY'
  | 'LOGIN'
  | 'PRODUCT_VIEW'
  | 'TRANSACTION'
  | 'VISIT'
  | '%future added value';

/** RFM lifecycle stage. */
export type LifecycleStage =
  | 'ACTIVE'
  | 'DORMANT'
  | 'POTENTIAL'
  | '%future added value';

export type ProductType =
  | 'CREDIT_CARD'
  | 'DEPOSIT'
  | 'FUND'
  | 'INSURANCE'
  | 'LOAN'
  | 'PRECIOUS_METAL'
  | 'TIME_DEPOSIT'
  | 'WEALTH_MANAGEMENT'
  | '%future added value';

export type RecordInteractionInput = {
  /** Required for CAMPAIGN_CONTACT: the campaign whose enrolment was contacted. */
  campaignId?: string | number | null | undefined;
  channel: Channel;
  /** Partners address customers by customer number. */
  customerNo: string;
  /** Your reference; makes a retry safe (the Idempotency-Key header wins). */
  externalRef?: string | null | undefined;
  occurredAt: string;
  outcome?: string | null | undefined;
  summary?: string | null | undefined;
  type: InteractionType;
};

export type RegisterLeadInput = {
  /** The city the prospect wants to be served in, as the bank's branches name it (北京市): routes the lead. */
  city?: string | null | undefined;
  /** Required from partners: the partner's reference to the prospect's separate consent to passing their details to the bank (PIPL Art. 23). */
  consentReference?: string | null | undefined;
  /** Links the lead to an existing customer. */
  customerNo?: string | null | undefined;
  externalRef?: string | null | undefined;
  name: string;
  /** 11-digit mainland mobile number, without +86. */
  phone: string;
  productInterest?: string | null | undefined;
  sourceChannel: Channel;
};

export type RiskLevel =
  | 'R1'
  | 'R2'
  | 'R3'
  | 'R4'
  | 'R5'
  | '%future added value';

export type RiskTolerance =
  | 'C1'
  | 'C2'
  | 'C3'
  | 'C4'
  | 'C5'
  | '%future added value';

export type Role =
  | 'BRANCH_STAFF'
  | 'CALL_CENTER_AGENT'
  | 'COMPLIANCE_AUDITOR'
  | 'MARKETING_ANALYST'
  | 'MARKETING_MANAGER'
  | 'PARTNER'
  | 'RELATIONSHIP_MANAGER'
  | 'RISK_OFFICER'
  | '%future added value';

export type TagCategory =
  | 'BASIC'
  | 'BEHAVIOR'
  | 'PREFERENCE'
  | 'VALUE'
  | '%future added value';

/** Who assigned a tag: a segmentation rule, a person, or a model. */
export type TagSource =
  | 'MANUAL'
  | 'MODEL'
  | 'RULE'
  | '%future added value';

/** Customer tier, derived from AUM (and age for POTENTIAL). */
export type Tier =
  | 'MASS'
  | 'POTENTIAL'
  | 'PRIVATE_BANKING'
  | 'WEALTH'
  | '%future added value';

export type Customer360QueryVariables = Exact<{
  id: string | number;
}>;


export type Customer360Query = { customer: { customerNo: string, name: string | null, gender: Gender, ageBand: AgeBand, phone: string | null, address: string | null, city: string, tier: Tier, lifecycleStage: LifecycleStage, aumBand: AumBand, churnSignals: Array<ChurnSignal>, branch: { code: string, name: string }, relationshipManager: { name: string } | null, tags: Array<{ source: TagSource, confidence: number, expiresAt: string | null, tag: { code: string, name: string, category: TagCategory } }>, holdings: { totalCount: number, edges: Array<{ node: { accountNo: string | null, currency: string, status: HoldingStatus, product: { name: string, type: ProductType, riskLevel: RiskLevel } } }> }, interactions: { edges: Array<{ node: { channel: Channel, type: InteractionType, occurredAt: string, summary: string | null, outcome: string | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } | null, campaignEnrollments: Array<{ status: EnrollmentStatus, channel: Channel, campaign: { code: string, name: string, status: CampaignStatus } }>, riskProfile: { riskTolerance: RiskTolerance, validUntil: string } | null, consents: Array<{ purpose: ConsentPurpose, channel: Channel | null, granted: boolean }> } | null };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, roles: Array<Role>, scopes: Array<string> } };

export type RecordCampaignResponseMutationVariables = Exact<{
  input: CampaignResponseInput;
}>;


export type RecordCampaignResponseMutation = { recordCampaignResponse: { status: EnrollmentStatus } };

export type RecordInteractionMutationVariables = Exact<{
  input: RecordInteractionInput;
}>;


export type RecordInteractionMutation = { recordInteraction: { id: string } };

export type RegisterLeadMutationVariables = Exact<{
  input: RegisterLeadInput;
}>;


export type RegisterLeadMutation = { registerLead: { id: string } };

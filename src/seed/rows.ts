/**
 * One interface per seeded table, keyed by column name, so that the insert
 * layer can turn rows into column arrays without a mapping table. Dates are
 * 'YYYY-MM-DD', instants ISO-8601 UTC, money decimal strings.
 */

export const CHANNELS = ['MOBILE_APP', 'WECHAT', 'BRANCH', 'CALL_CENTER', 'WEB', 'PARTNER'] as const;
export type Channel = (typeof CHANNELS)[number];

export type ProductType =
  'DEPOSIT' | 'TIME_DEPOSIT' | 'FUND' | 'WEALTH_MANAGEMENT' | 'INSURANCE' | 'LOAN' | 'CREDIT_CARD' | 'PRECIOUS_METAL';
export type TagCategory = 'BASIC' | 'VALUE' | 'BEHAVIOR' | 'PREFERENCE';
export type TagSource = 'RULE' | 'MANUAL' | 'MODEL';
export type CampaignStatus =
  'DRAFT' | 'PENDING_APPROVAL' | 'APPROVED' | 'REJECTED' | 'ACTIVE' | 'COMPLETED' | 'CANCELLED';
export type EnrollmentStatus = 'TARGETED' | 'CONTACTED' | 'RESPONDED' | 'CONVERTED' | 'OPTED_OUT';
export type Gender = 'MALE' | 'FEMALE' | 'UNSPECIFIED';
export type IdType = 'RESIDENT_ID' | 'PASSPORT' | 'HK_MACAO_PERMIT' | 'TAIWAN_PERMIT' | 'FOREIGN_PERMANENT_RESIDENT';
export type InteractionType =
  | 'LOGIN'
  | 'PRODUCT_VIEW'
  | 'INQUIRY'
  | 'COMPLAINT'
  | 'TRANSACTION'
  | 'VISIT'
  | 'CAMPAIGN_CONTACT'
  | 'CAMPAIGN_RESPONSE';
export type ConsentPurpose = 'MARKETING' | 'PARTNER_SHARING' | 'PERSONALISED_MARKETING';

export interface BranchRow {
  id: string;
  code: string;
  name: string;
  city: string;
}
export interface StaffRow {
  id: string;
  employee_no: string;
  name: string;
  branch_id: string;
  title: string;
}
export interface TagRow {
  id: string;
  code: string;
  name: string;
  category: TagCategory;
}
export interface ProductRow {
  id: string;
  code: string;
  name: string;
  type: ProductType;
  risk_level: string;
}
export interface FxRateRow {
  currency: string;
  rate_date: string;
  cny_per_unit: string;
}

export interface CampaignRow {
  id: string;
  code: string;
  name: string;
  objective: string | null;
  status: CampaignStatus;
  target_tiers: string[];
  target_lifecycle_stages: string[];
  target_tag_codes: string[];
  target_aum_min: string | null;
  target_aum_max: string | null;
  channels: Channel[];
  product_id: string | null;
  budget: string;
  cost: string;
  starts_on: string | null;
  ends_on: string | null;
  created_by: string;
  approved_by: string | null;
  rejection_reason: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface CustomerRow {
  id: string;
  customer_no: string;
  name: string;
  gender: Gender;
  birth_date: string;
  id_type: IdType;
  id_number: string;
  phone: string;
  email: string | null;
  address_province: string;
  address_city: string;
  address_district: string;
  address_street: string;
  city: string;
  branch_id: string;
  relationship_manager_id: string | null;
  kyc_status: 'VERIFIED' | 'PENDING' | 'EXPIRED';
  onboarded_on: string;
}

export interface AumSnapshotRow {
  customer_id: string;
  month: string;
  aum: string;
}

export interface CustomerTagRow {
  customer_id: string;
  tag_id: string;
  source: TagSource;
  confidence: string;
  assigned_at: string;
  expires_at: string | null;
}

export interface HoldingRow {
  id: string;
  customer_id: string;
  product_id: string;
  account_no: string;
  balance: string;
  currency: string;
  opened_on: string;
  maturity_date: string | null;
  status: 'ACTIVE' | 'MATURED' | 'CLOSED';
}

export interface InteractionRow {
  id: string;
  customer_id: string;
  channel: Channel;
  type: InteractionType;
  occurred_at: string;
  summary: string | null;
  staff_id: string | null;
  partner_id: string | null;
  campaign_id: string | null;
  outcome: string | null;
  recorded_at: string;
}

export interface EnrollmentRow {
  id: string;
  campaign_id: string;
  customer_id: string;
  status: EnrollmentStatus;
  channel: Channel;
  revenue: string;
  enrolled_at: string;
  contacted_at: string | null;
  responded_at: string | null;
  converted_at: string | null;
  updated_at: string;
}

export interface RiskAssessmentRow {
  id: string;
  customer_id: string;
  risk_tolerance: string;
  assessed_at: string;
  valid_until: string;
  credit_grade: string | null;
  aml_rating: 'LOW' | 'MEDIUM' | 'HIGH';
}

export interface ConsentRow {
  id: string;
  customer_id: string;
  purpose: ConsentPurpose;
  channel: Channel | null;
  granted: boolean;
  updated_at: string;
}

/** Everything generated for one chunk of customers, in foreign-key order. */
export interface CustomerChunk {
  customer: CustomerRow[];
  customer_aum_snapshot: AumSnapshotRow[];
  customer_tag: CustomerTagRow[];
  holding: HoldingRow[];
  risk_assessment: RiskAssessmentRow[];
  consent: ConsentRow[];
  campaign_enrollment: EnrollmentRow[];
  interaction: InteractionRow[];
}

/** Integer cents as a decimal string: money never passes through a float format. */
export function money(cents: number): string {
  const c = Math.round(cents);
  const abs = Math.abs(c);
  const whole = Math.floor(abs / 100);
  const frac = abs % 100;
  return `${c < 0 ? '-' : ''}${whole}.${frac < 10 ? '0' : ''}${frac}`;
}

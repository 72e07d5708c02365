import { addYears, isoDate, isoInstant, shanghaiInstant } from './dates';
import { HoldingFacts } from './holdings';
import { interaction } from './interactions';
import { CustomerProfile } from './profile';
import { WeightedTable } from './random';
import { CampaignInfo, ReferenceData } from './reference-data';
import {
  Channel,
  CHANNELS,
  ConsentRow,
  CustomerTagRow,
  EnrollmentRow,
  EnrollmentStatus,
  InteractionRow,
  money,
  RiskAssessmentRow,
  TagSource,
} from './rows';

/**
 * Tags, risk assessments, consents and campaign enrolments of a customer.
 * Enrolments obey the rules the gateway itself enforces (PRODUCT.md §1 and
 * §4): a consented channel, a current and suitable risk assessment, no
 * product above R3 for customers of 65 or over, no personalised-marketing
 * opt-out, and an opted-out enrolment withdraws the consent of its channel.
 */

const DAY_SECONDS = 86_400;

// ---- tags ----------------------------------------------------------------

export function generateTags(ref: ReferenceData, p: CustomerProfile, facts: HoldingFacts, out: CustomerTagRow[]): void {
  const { rng } = p;
  const today = ref.referenceDay;
  const wealthy = p.segment === 'WEALTH' || p.segment === 'PRIVATE_BANKING';
  const weights: Record<string, number> = {
    PAYROLL_CUSTOMER: p.age >= 22 && p.age < 60 ? 3 : 0,
    SMALL_BUSINESS_OWNER: facts.smallBusiness ? 10 : 0.4,
    MORTGAGE_CUSTOMER: facts.mortgage ? 12 : 0,
    SENIOR_CUSTOMER: p.age >= 60 ? 10 : 0,
    NEW_CITIZEN: p.migrant ? 2 : 0.2,
    HIGH_NET_WORTH: p.segment === 'PRIVATE_BANKING' ? 12 : p.segment === 'WEALTH' ? 1.5 : 0,
    PRIVATE_BANKING_PROSPECT: p.segment === 'WEALTH' ? (p.aumCents >= 200_000_000 ? 8 : 2) : 0,
    AUM_GROWTH_POTENTIAL: wealthy ? 0.5 : 2,
    DIGITAL_ACTIVE: p.activity === 'ACTIVE' ? 5 : p.activity === 'OCCASIONAL' ? 1 : 0.1,
    CREDIT_CARD_ACTIVE: facts.creditCard ? 4 : 0,
    CHURN_RISK: p.activity === 'DORMANT' || p.aumDrop ? 6 : 0.3,
    STEADY_INVESTOR: p.riskTolerance <= 2 ? 5 : p.riskTolerance === 3 ? 1.5 : 0.2,
    AGGRESSIVE_INVESTOR: p.riskTolerance >= 4 ? 5 : 0.1,
    FX_PREFERENCE: facts.foreignCurrency ? 6 : 0.3,
    GOLD_PREFERENCE: facts.gold ? 6 : 0.3,
    BRANCH_PREFERRED: p.age >= 55 ? 3 : 0.8,
    VULNERABLE_CUSTOMER: p.age >= 75 ? 2 : 0,
  };
  const chosen = rng.sampleWithoutReplacement(
    ref.tags,
    ref.tags.map((t) => weights[t.row.code] ?? 0),
    rng.int(3, 7),
  );
  for (const tag of chosen) {
    const source: TagSource = tag.defaultSource !== 'MANUAL' && rng.chance(0.1) ? 'MANUAL' : tag.defaultSource;
    // Rules and models run as night batches; people tag during office hours.
    const window = source === 'MODEL' ? 300 : 730;
    const day = rng.int(Math.min(today - 1, Math.max(p.onboardDay, today - window)), today - 1);
    const second =
      source === 'MANUAL'
        ? rng.int(9 * 3600, 18 * 3600)
        : source === 'RULE'
          ? rng.int(2 * 3600, 3 * 3600)
          : rng.int(3 * 3600, 5 * 3600);
    const assigned = shanghaiInstant(day, second);
    let expires: number | null = null;
    if (source === 'MODEL') expires = assigned + (rng.chance(0.3) ? 90 : 365) * DAY_SECONDS * 1000;
    else if (source === 'MANUAL' && rng.chance(0.15)) expires = assigned + 365 * DAY_SECONDS * 1000;
    out.push({
      customer_id: p.row.id,
      tag_id: tag.row.id,
      source,
      confidence:
        source === 'RULE'
          ? '1.000'
          : source === 'MANUAL'
            ? rng.chance(0.5)
              ? '1.000'
              : rng.real(0.8, 1).toFixed(3)
            : rng.real(0.55, 0.99).toFixed(3),
      assigned_at: isoInstant(assigned),
      expires_at: expires === null ? null : isoInstant(expires),
    });
  }
}

// ---- risk assessments ------------------------------------------------------

const CREDIT_GRADES = new WeightedTable<string>([
  ['AAA', 4],
  ['AA', 10],
  ['A', 25],
  ['BBB', 30],
  ['BB', 18],
  ['B', 9],
  ['C', 4],
]);
const AML = new WeightedTable<'LOW' | 'MEDIUM' | 'HIGH'>([
  ['LOW', 92],
  ['MEDIUM', 6.5],
  ['HIGH', 1.5],
]);

export interface RiskFacts {
  /** The latest assessment is still valid on the reference date. */
  current: boolean;
}

/**
 * Up to three questionnaires: the latest within the last year (or, for about
 * one customer in eight, one that has since expired), earlier ones every
 * six to eighteen months back to account opening.
 */
export function generateRiskAssessments(ref: ReferenceData, p: CustomerProfile, out: RiskAssessmentRow[]): RiskFacts {
  const { rng } = p;
  const today = ref.referenceDay;
  const years = rng.chance(0.75) ? 1 : 2;
  let latest = today - rng.int(1, 360);
  if (p.activity !== 'NEW' && rng.chance(0.14)) {
    const expired = today - years * 366 - rng.int(1, 400);
    if (expired >= p.onboardDay) latest = expired;
  }
  if (latest < p.onboardDay) latest = p.onboardDay;
  const aml = AML.pick(rng);
  let day = latest;
  let tolerance = p.riskTolerance;
  for (let n = 0; n < 3; n++) {
    const validity = n === 0 ? years : rng.chance(0.75) ? 1 : 2;
    out.push({
      id: rng.uuid(),
      customer_id: p.row.id,
      risk_tolerance: `C${tolerance}`,
      assessed_at: isoInstant(shanghaiInstant(day, rng.int(9 * 3600, 18 * 3600))),
      valid_until: isoDate(addYears(day, validity)),
      credit_grade: rng.chance(0.12) ? null : CREDIT_GRADES.pick(rng),
      aml_rating: rng.chance(0.95) ? aml : AML.pick(rng),
    });
    if (day - p.onboardDay < 30) break;
    // The first questionnaire is filled in when the account is opened.
    day = Math.max(p.onboardDay, day - rng.int(180, 540));
    if (rng.chance(0.4)) tolerance = Math.min(5, Math.max(1, tolerance + (rng.chance(0.5) ? 1 : -1)));
  }
  return { current: addYears(latest, years) >= today };
}

// ---- consents --------------------------------------------------------------

const MARKETING_CONSENT_RATE: Record<Channel, number> = {
  MOBILE_APP: 0.75,
  WECHAT: 0.6,
  BRANCH: 0.5,
  CALL_CENTER: 0.45,
  WEB: 0.35,
  PARTNER: 0.25,
};

export function generateConsents(ref: ReferenceData, p: CustomerProfile, out: ConsentRow[]): ConsentRow[] {
  const { rng } = p;
  const at = () =>
    isoInstant(shanghaiInstant(rng.int(p.onboardDay, ref.referenceDay - 1), rng.int(8 * 3600, 22 * 3600)));
  const rows: ConsentRow[] = [];
  for (const channel of CHANNELS) {
    if (rng.chance(MARKETING_CONSENT_RATE[channel])) {
      rows.push({
        id: rng.uuid(),
        customer_id: p.row.id,
        purpose: 'MARKETING',
        channel,
        granted: rng.chance(0.85),
        updated_at: at(),
      });
    }
  }
  if (rng.chance(0.65)) {
    rows.push({
      id: rng.uuid(),
      customer_id: p.row.id,
      purpose: 'PARTNER_SHARING',
      channel: null,
      granted: rng.chance(0.55),
      updated_at: at(),
    });
  }
  if (rng.chance(0.8)) {
    rows.push({
      id: rng.uuid(),
      customer_id: p.row.id,
      purpose: 'PERSONALISED_MARKETING',
      channel: null,
      granted: rng.chance(0.88),
      updated_at: at(),
    });
  }
  out.push(...rows);
  return rows;
}

// ---- campaign enrolments -----------------------------------------------------

const ACTIVE_OUTCOMES = new WeightedTable<EnrollmentStatus>([
  ['TARGETED', 40],
  ['CONTACTED', 30],
  ['RESPONDED', 15],
  ['CONVERTED', 10],
  ['OPTED_OUT', 5],
]);
const COMPLETED_OUTCOMES = new WeightedTable<EnrollmentStatus>([
  ['TARGETED', 15],
  ['CONTACTED', 40],
  ['RESPONDED', 24],
  ['CONVERTED', 17],
  ['OPTED_OUT', 4],
]);
const STEP = { CONTACTED: 1, RESPONDED: 2, CONVERTED: 3, OPTED_OUT: 1, TARGETED: 0 } as const;

export function generateEnrollments(
  ref: ReferenceData,
  p: CustomerProfile,
  campaigns: CampaignInfo[],
  consents: ConsentRow[],
  risk: RiskFacts,
  out: EnrollmentRow[],
  interactions: InteractionRow[],
): void {
  const { rng } = p;
  const personalised = consents.find((c) => c.purpose === 'PERSONALISED_MARKETING');
  if (personalised && !personalised.granted) return;
  const marketing = new Map(consents.filter((c) => c.purpose === 'MARKETING' && c.granted).map((c) => [c.channel!, c]));
  // Nothing is contacted on or after the reference date itself.
  const horizon = shanghaiInstant(ref.referenceDay, 0) - 3_600_000;

  for (const campaign of campaigns) {
    const row = campaign.row;
    if (row.target_tiers.length > 0 && !row.target_tiers.includes(p.segment)) continue;
    if (row.target_aum_min !== null && p.aumCents < Number(row.target_aum_min) * 100) continue;
    const channel = row.channels.find((c) => marketing.has(c));
    if (!channel) continue;
    if (campaign.productRisk !== null) {
      if (!risk.current || p.riskTolerance < campaign.productRisk) continue;
      if (p.age >= 65 && campaign.productRisk > 3) continue;
    }
    const from = Math.max(campaign.enrolFrom, p.onboardDay);
    if (from > campaign.enrolTo || !rng.chance(campaign.reach)) continue;

    const end = Math.min(horizon, shanghaiInstant(campaign.enrolTo + 1, 0) - 1);
    const enrolled = Math.min(end, shanghaiInstant(rng.int(from, campaign.enrolTo), rng.int(9 * 3600, 18 * 3600)));
    const status: EnrollmentStatus =
      row.status === 'APPROVED'
        ? 'TARGETED'
        : row.status === 'ACTIVE'
          ? ACTIVE_OUTCOMES.pick(rng)
          : COMPLETED_OUTCOMES.pick(rng);
    const step = STEP[status];
    const contacted = step >= 1 ? Math.min(end, enrolled + rng.int(3600, 5 * DAY_SECONDS) * 1000) : null;
    const responded = step >= 2 ? Math.min(end, contacted! + rng.int(600, 10 * DAY_SECONDS) * 1000) : null;
    const converted = step >= 3 ? Math.min(end, responded! + rng.int(600, 5 * DAY_SECONDS) * 1000) : null;
    const optedOut = status === 'OPTED_OUT' ? Math.min(end, contacted! + rng.int(600, 3 * DAY_SECONDS) * 1000) : null;
    const lastChange = optedOut ?? converted ?? responded ?? contacted ?? enrolled;
    out.push({
      id: rng.uuid(),
      campaign_id: row.id,
      customer_id: p.row.id,
      status,
      channel,
      revenue: converted === null ? '0.00' : money(revenueCents(p, campaign)),
      enrolled_at: isoInstant(enrolled),
      contacted_at: contacted === null ? null : isoInstant(contacted),
      responded_at: responded === null ? null : isoInstant(responded),
      converted_at: converted === null ? null : isoInstant(converted),
      updated_at: isoInstant(lastChange),
    });
    const subject = { id: row.id, name: row.name, converted: converted !== null };
    if (contacted !== null) interactions.push(interaction(ref, p, 'CAMPAIGN_CONTACT', channel, contacted, subject));
    if (responded !== null) interactions.push(interaction(ref, p, 'CAMPAIGN_RESPONSE', channel, responded, subject));
    if (optedOut !== null) {
      // Opting out is withdrawing the marketing consent of that channel.
      const consent = marketing.get(channel)!;
      consent.granted = false;
      consent.updated_at = isoInstant(Math.max(optedOut, Date.parse(consent.updated_at)));
      marketing.delete(channel);
    }
  }
}

function revenueCents(p: CustomerProfile, campaign: CampaignInfo): number {
  const { rng } = p;
  if (campaign.productRisk === null) return rng.int(2_000, 20_000);
  const scale = p.segment === 'PRIVATE_BANKING' ? 10 : p.segment === 'WEALTH' ? 3 : 1;
  return Math.round(rng.int(20_000, 300_000) * scale);
}

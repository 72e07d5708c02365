import { personName } from './chinese';
import { dayNumber, isoDate, isoInstant, shanghaiInstant } from './dates';
import { Rng, STREAM_REFERENCE } from './random';
import {
  BranchRow,
  CampaignRow,
  CampaignStatus,
  Channel,
  FxRateRow,
  money,
  ProductRow,
  ProductType,
  StaffRow,
  TagCategory,
  TagRow,
  TagSource,
} from './rows';

/**
 * The catalogue the customers hang off: branches, staff, tags, products,
 * exchange rates and campaigns. Generated once per seed and reference date;
 * the customer generator reads the extra fields here (weights, terms, who
 * works where) that the tables do not store.
 */

export interface BranchInfo {
  row: BranchRow;
  /** Address city (CITIES[].name) of the branch, where most of its customers live. */
  cityName: string;
  /** Relative share of customers. */
  weight: number;
  relationshipManagerIds: string[];
  counterStaffIds: string[];
}

export interface TagInfo {
  row: TagRow;
  defaultSource: TagSource;
}

export interface ProductInfo {
  row: ProductRow;
  risk: number;
  /** Contract length for products that mature; undefined = open-ended. */
  termDays?: number;
}

export interface CampaignInfo {
  row: CampaignRow;
  productRisk: number | null;
  /** Days (day numbers) within which enrolments of this campaign happened. */
  enrolFrom: number;
  enrolTo: number;
  /** Chance that an eligible customer was enrolled. */
  reach: number;
}

export interface ReferenceData {
  seed: number;
  referenceDay: number;
  branches: BranchInfo[];
  staff: StaffRow[];
  callCenterStaffIds: string[];
  tags: TagInfo[];
  products: ProductInfo[];
  productByCode: Map<string, ProductInfo>;
  fxRates: FxRateRow[];
  /** CNY per unit on the reference date, CNY included (1). */
  latestRate: Map<string, number>;
  campaigns: CampaignInfo[];
  partnerIds: string[];
}

const BRANCHES: ReadonlyArray<{ code: string; name: string; city: string; weight: number }> = [
  { code: 'BJ001', name: '北京朝阳支行', city: '北京市', weight: 22 },
  { code: 'SH001', name: '上海浦东支行', city: '上海市', weight: 22 },
  { code: 'SZ001', name: '深圳南山支行', city: '深圳市', weight: 16 },
  { code: 'GZ001', name: '广州天河支行', city: '广州市', weight: 14 },
  { code: 'HZ001', name: '杭州西湖支行', city: '杭州市', weight: 14 },
  { code: 'CD001', name: '成都武侯支行', city: '成都市', weight: 12 },
];

/** Staff of every branch besides its relationship managers. */
const BRANCH_ROLES = ['理财经理', '柜员', '柜员', '大堂经理'];
const RELATIONSHIP_MANAGERS_PER_BRANCH = 4;
/** Head-office functions, seated at the first branch (staff.branch_id is required). */
const HEAD_OFFICE_ROLES = [
  '营销经理',
  '营销经理',
  '营销经理',
  '客服专员',
  '客服专员',
  '客服专员',
  '风险经理',
  '合规专员',
];

const TAGS: ReadonlyArray<readonly [string, string, TagCategory, TagSource]> = [
  ['PAYROLL_CUSTOMER', '代发工资客户', 'BASIC', 'RULE'],
  ['SMALL_BUSINESS_OWNER', '小微企业主', 'BASIC', 'MANUAL'],
  ['MORTGAGE_CUSTOMER', '房贷客户', 'BASIC', 'RULE'],
  ['SENIOR_CUSTOMER', '银发客户', 'BASIC', 'RULE'],
  ['NEW_CITIZEN', '新市民', 'BASIC', 'MANUAL'],
  ['HIGH_NET_WORTH', '高净值客户', 'VALUE', 'RULE'],
  ['PRIVATE_BANKING_PROSPECT', '私行潜客', 'VALUE', 'MODEL'],
  ['AUM_GROWTH_POTENTIAL', '资产提升潜力', 'VALUE', 'MODEL'],
  ['DIGITAL_ACTIVE', '线上活跃客户', 'BEHAVIOR', 'RULE'],
  ['CREDIT_CARD_ACTIVE', '信用卡活跃', 'BEHAVIOR', 'RULE'],
  ['CHURN_RISK', '流失预警', 'BEHAVIOR', 'MODEL'],
  ['STEADY_INVESTOR', '稳健型投资者', 'PREFERENCE', 'MODEL'],
  ['AGGRESSIVE_INVESTOR', '进取型投资者', 'PREFERENCE', 'MODEL'],
  ['FX_PREFERENCE', '外汇业务偏好', 'PREFERENCE', 'MODEL'],
  ['GOLD_PREFERENCE', '贵金属偏好', 'PREFERENCE', 'MANUAL'],
  ['BRANCH_PREFERRED', '偏好网点服务', 'PREFERENCE', 'RULE'],
  ['VULNERABLE_CUSTOMER', '特殊关爱客户', 'BASIC', 'MANUAL'],
];

const PRODUCTS: ReadonlyArray<readonly [string, string, ProductType, number, number?]> = [
  ['DEP_CNY_CURRENT', '人民币活期储蓄', 'DEPOSIT', 1],
  ['DEP_FX_CURRENT', '外币活期储蓄', 'DEPOSIT', 1],
  ['TD_CNY_1Y', '整存整取一年期', 'TIME_DEPOSIT', 1, 365],
  ['TD_CNY_3Y', '整存整取三年期', 'TIME_DEPOSIT', 1, 1095],
  ['TD_LARGE_CD_3Y', '大额存单三年期', 'TIME_DEPOSIT', 1, 1095],
  ['FD_BOND_PURE', '安享纯债债券基金', 'FUND', 2],
  ['FD_BALANCED', '稳健配置混合基金', 'FUND', 3],
  ['FD_CSI300_ENHANCED', '沪深300指数增强基金', 'FUND', 4],
  ['FD_GLOBAL_TECH_QDII', '全球科技QDII基金', 'FUND', 5],
  ['WM_STEADY_90D', '稳健理财90天', 'WEALTH_MANAGEMENT', 2, 90],
  ['WM_ENHANCED_180D', '增强型理财180天', 'WEALTH_MANAGEMENT', 3, 180],
  ['WM_PB_EQUITY_365D', '私行权益精选一年期', 'WEALTH_MANAGEMENT', 4, 365],
  ['INS_ANNUITY', '安康养老年金保险', 'INSURANCE', 1, 7300],
  ['INS_WHOLE_LIFE', '增额终身寿险', 'INSURANCE', 2],
  ['INS_UNIT_LINKED', '投资连结保险', 'INSURANCE', 3],
  ['PM_GOLD_ACCUMULATION', '积存金', 'PRECIOUS_METAL', 3],
  ['PM_GOLD_BAR', '实物投资金条', 'PRECIOUS_METAL', 2],
  ['LN_MORTGAGE', '个人住房贷款', 'LOAN', 1, 10950],
  ['LN_CONSUMER', '个人消费贷款', 'LOAN', 1, 1095],
  ['LN_SMALL_BUSINESS', '小微经营贷款', 'LOAN', 2, 365],
  ['CC_STANDARD', '标准信用卡', 'CREDIT_CARD', 1],
  ['CC_PLATINUM', '白金信用卡', 'CREDIT_CARD', 2],
];

const FX_BASE: ReadonlyArray<readonly [string, number]> = [
  ['USD', 7.18],
  ['HKD', 0.921],
  ['EUR', 7.82],
];
const FX_DAYS = 30;

export const PARTNER_IDS = ['partner-wealth-platform', 'partner-ecommerce', 'partner-insurance-broker'];

export function generateReferenceData(seed: number, referenceDate: string): ReferenceData {
  const referenceDay = dayNumber(referenceDate);
  const rng = new Rng(seed, STREAM_REFERENCE);
  let employeeNo = 10001;
  const staff: StaffRow[] = [];
  const hire = (branchId: string, title: string): StaffRow => {
    const gender = rng.chance(0.5) ? 'MALE' : 'FEMALE';
    const row = {
      id: rng.uuid(),
      employee_no: `E${employeeNo++}`,
      name: personName(rng, gender),
      branch_id: branchId,
      title,
    };
    staff.push(row);
    return row;
  };

  const branches: BranchInfo[] = BRANCHES.map((b) => {
    const row: BranchRow = { id: rng.uuid(), code: b.code, name: b.name, city: b.city };
    const relationshipManagerIds = Array.from(
      { length: RELATIONSHIP_MANAGERS_PER_BRANCH },
      () => hire(row.id, '客户经理').id,
    );
    const counterStaffIds = BRANCH_ROLES.map((title) => hire(row.id, title).id);
    return { row, cityName: b.city, weight: b.weight, relationshipManagerIds, counterStaffIds };
  });
  const headOffice = HEAD_OFFICE_ROLES.map((title) => hire(branches[0].row.id, title));
  const marketingManagers = headOffice.filter((s) => s.title === '营销经理').map((s) => s.id);
  const callCenterStaffIds = headOffice.filter((s) => s.title === '客服专员').map((s) => s.id);

  const tags: TagInfo[] = TAGS.map(([code, name, category, defaultSource]) => ({
    row: { id: rng.uuid(), code, name, category },
    defaultSource,
  }));

  const products: ProductInfo[] = PRODUCTS.map(([code, name, type, risk, termDays]) => ({
    row: { id: rng.uuid(), code, name, type, risk_level: `R${risk}` },
    risk,
    termDays,
  }));
  const productByCode = new Map(products.map((p) => [p.row.code, p]));

  const { fxRates, latestRate } = generateFxRates(rng, referenceDay);
  const campaigns = generateCampaigns(rng, referenceDay, productByCode, marketingManagers);

  return {
    seed,
    referenceDay,
    branches,
    staff,
    callCenterStaffIds,
    tags,
    products,
    productByCode,
    fxRates,
    latestRate,
    campaigns,
    partnerIds: PARTNER_IDS,
  };
}

/** A small random walk per currency, one rate a day, ending on the reference date. */
function generateFxRates(rng: Rng, referenceDay: number) {
  const fxRates: FxRateRow[] = [];
  const latestRate = new Map<string, number>([['CNY', 1]]);
  for (const [currency, base] of FX_BASE) {
    let rate = base;
    for (let day = referenceDay - FX_DAYS + 1; day <= referenceDay; day++) {
      rate *= 1 + rng.normal() * 0.002;
      const rounded = Math.round(rate * 1e6) / 1e6;
      fxRates.push({ currency, rate_date: isoDate(day), cny_per_unit: rounded.toFixed(6) });
      latestRate.set(currency, rounded);
    }
  }
  return { fxRates, latestRate };
}

interface CampaignSpec {
  name: string;
  objective: string;
  status: CampaignStatus;
  productCode: string | null;
  tiers: string[];
  lifecycles?: string[];
  tagCodes?: string[];
  aumMin?: number;
  channels: Channel[];
  /** Relative to the reference day; null start = not scheduled yet. */
  start: number | null;
  length: number;
  budget: number;
  costShare: number;
  reach: number;
  rejection?: string;
}

const CAMPAIGNS: CampaignSpec[] = [
  {
    name: '信用卡消费达标礼',
    objective: '提升信用卡活跃与首刷率',
    status: 'COMPLETED',
    productCode: 'CC_STANDARD',
    tiers: [],
    channels: ['MOBILE_APP', 'WECHAT', 'CALL_CENTER'],
    start: -240,
    length: 60,
    budget: 120_000,
    costShare: 0.95,
    reach: 0.5,
  },
  {
    name: '手机银行月月赢',
    objective: '提升手机银行月活跃客户数',
    status: 'COMPLETED',
    productCode: null,
    tiers: [],
    channels: ['MOBILE_APP', 'WECHAT', 'PARTNER'],
    start: -150,
    length: 90,
    budget: 200_000,
    costShare: 0.84,
    reach: 0.9,
  },
  {
    name: '大额存单限时专享',
    objective: '吸收稳定存款，提升客户AUM',
    status: 'COMPLETED',
    productCode: 'TD_LARGE_CD_3Y',
    tiers: ['MASS', 'WEALTH'],
    channels: ['BRANCH', 'CALL_CENTER', 'MOBILE_APP'],
    start: -120,
    length: 75,
    budget: 150_000,
    costShare: 0.88,
    reach: 0.9,
  },
  {
    name: '稳健理财新客礼',
    objective: '首购理财客户转化',
    status: 'ACTIVE',
    productCode: 'WM_STEADY_90D',
    tiers: ['MASS', 'WEALTH', 'POTENTIAL'],
    channels: ['MOBILE_APP', 'WECHAT', 'WEB'],
    start: -30,
    length: 90,
    budget: 300_000,
    costShare: 0.29,
    reach: 0.9,
  },
  {
    name: '财富客户基金配置季',
    objective: '提升财富客户基金配置比例',
    status: 'ACTIVE',
    productCode: 'FD_BALANCED',
    tiers: ['WEALTH', 'PRIVATE_BANKING'],
    aumMin: 500_000,
    channels: ['BRANCH', 'CALL_CENTER'],
    start: -20,
    length: 90,
    budget: 500_000,
    costShare: 0.24,
    reach: 0.9,
  },
  {
    name: '私行权益精选专场',
    objective: '私行客户权益类资产配置',
    status: 'APPROVED',
    productCode: 'WM_PB_EQUITY_365D',
    tiers: ['PRIVATE_BANKING'],
    aumMin: 6_000_000,
    channels: ['BRANCH'],
    start: 7,
    length: 90,
    budget: 800_000,
    costShare: 0,
    reach: 1,
  },
  {
    name: '白金信用卡升级邀约',
    objective: '优质客户信用卡升级',
    status: 'PENDING_APPROVAL',
    productCode: 'CC_PLATINUM',
    tiers: ['WEALTH', 'MASS'],
    channels: ['CALL_CENTER', 'MOBILE_APP'],
    start: 14,
    length: 60,
    budget: 120_000,
    costShare: 0,
    reach: 0,
  },
  {
    name: '沉睡客户唤醒计划',
    objective: '唤醒半年以上未活跃客户',
    status: 'DRAFT',
    productCode: null,
    tiers: [],
    lifecycles: ['DORMANT'],
    channels: ['CALL_CENTER', 'WECHAT'],
    start: null,
    length: 60,
    budget: 80_000,
    costShare: 0,
    reach: 0,
  },
  {
    name: '积存金定投推广',
    objective: '拓展贵金属定投客户',
    status: 'REJECTED',
    productCode: 'PM_GOLD_ACCUMULATION',
    tiers: ['MASS', 'POTENTIAL'],
    tagCodes: ['GOLD_PREFERENCE'],
    channels: ['MOBILE_APP'],
    start: 10,
    length: 60,
    budget: 60_000,
    costShare: 0,
    reach: 0,
    rejection: '目标客群含较多年轻低资产客户，R3产品适当性风险较高，请缩小客群后重新提交',
  },
  {
    name: '跨境汇款手续费优惠',
    objective: '提升外币结算业务量',
    status: 'CANCELLED',
    productCode: 'DEP_FX_CURRENT',
    tiers: [],
    tagCodes: ['FX_PREFERENCE'],
    channels: ['MOBILE_APP', 'BRANCH'],
    start: -10,
    length: 45,
    budget: 50_000,
    costShare: 0,
    reach: 0,
  },
];

const APPROVED_STATUSES: ReadonlySet<CampaignStatus> = new Set(['APPROVED', 'ACTIVE', 'COMPLETED', 'CANCELLED']);

function generateCampaigns(
  rng: Rng,
  referenceDay: number,
  productByCode: Map<string, ProductInfo>,
  marketingManagers: string[],
): CampaignInfo[] {
  return CAMPAIGNS.map((spec, i) => {
    const product = spec.productCode ? productByCode.get(spec.productCode)! : null;
    const startDay = spec.start === null ? null : referenceDay + spec.start;
    const createdDay = (startDay ?? referenceDay) - rng.int(12, 25);
    const maker = marketingManagers[i % marketingManagers.length];
    const checker = marketingManagers[(i + 1) % marketingManagers.length];
    const approved = APPROVED_STATUSES.has(spec.status);
    const updatedDay = Math.min(
      referenceDay - 1,
      Math.max(createdDay, (startDay ?? createdDay) + (spec.status === 'COMPLETED' ? spec.length : 0)),
    );
    const at = (day: number) => isoInstant(shanghaiInstant(day, rng.int(9 * 3600, 18 * 3600)));
    const row: CampaignRow = {
      id: rng.uuid(),
      code: `CMP${isoDate(startDay ?? createdDay)
        .slice(0, 7)
        .replace('-', '')}${String(i + 1).padStart(2, '0')}`,
      name: spec.name,
      objective: spec.objective,
      status: spec.status,
      target_tiers: spec.tiers,
      target_lifecycle_stages: spec.lifecycles ?? [],
      target_tag_codes: spec.tagCodes ?? [],
      target_aum_min: spec.aumMin === undefined ? null : money(spec.aumMin * 100),
      target_aum_max: null,
      channels: spec.channels,
      product_id: product?.row.id ?? null,
      budget: money(spec.budget * 100),
      cost: money(Math.round(spec.budget * spec.costShare) * 100),
      starts_on: startDay === null ? null : isoDate(startDay),
      ends_on: startDay === null ? null : isoDate(startDay + spec.length),
      created_by: maker,
      approved_by: approved ? checker : null,
      rejection_reason: spec.rejection ?? null,
      version: spec.status === 'DRAFT' ? 1 : spec.status === 'REJECTED' ? 2 : 3,
      created_at: at(createdDay),
      updated_at: at(updatedDay),
    };
    const enrolFrom = (startDay ?? referenceDay) - (spec.status === 'APPROVED' ? 10 : 3);
    return {
      row,
      productRisk: product?.risk ?? null,
      enrolFrom,
      enrolTo: Math.min(referenceDay - 1, startDay === null ? referenceDay : startDay + spec.length),
      reach: spec.reach,
    };
  });
}

/** Only these campaigns carry enrolments: customers are enrolled while APPROVED or ACTIVE. */
export function enrollableCampaigns(ref: ReferenceData): CampaignInfo[] {
  return ref.campaigns.filter((c) => c.reach > 0 && ['APPROVED', 'ACTIVE', 'COMPLETED'].includes(c.row.status));
}

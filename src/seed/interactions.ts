import { isoInstant, shanghaiDay, shanghaiInstant } from './dates';
import { CustomerProfile } from './profile';
import { WeightedTable } from './random';
import { ReferenceData } from './reference-data';
import { Channel, InteractionRow, InteractionType } from './rows';

/**
 * Channel history over the ~400 days before the reference date. The
 * profile's activity decides when the customer last logged in or
 * transacted (within 30 days, 30–180 days ago, over 180 days ago, or since
 * joining recently), so that segmentation finds every lifecycle stage.
 * Everything happens strictly before the reference date.
 */

const HISTORY_DAYS = 400;

const TYPES = new WeightedTable<InteractionType>([
  ['LOGIN', 36],
  ['PRODUCT_VIEW', 20],
  ['TRANSACTION', 24],
  ['INQUIRY', 9],
  ['VISIT', 9.5],
  ['COMPLAINT', 1.5],
]);
const CHANNELS_BY_TYPE: Record<string, WeightedTable<Channel>> = {
  LOGIN: new WeightedTable<Channel>([
    ['MOBILE_APP', 70],
    ['WECHAT', 20],
    ['WEB', 10],
  ]),
  PRODUCT_VIEW: new WeightedTable<Channel>([
    ['MOBILE_APP', 55],
    ['WECHAT', 20],
    ['WEB', 15],
    ['PARTNER', 10],
  ]),
  TRANSACTION: new WeightedTable<Channel>([
    ['MOBILE_APP', 55],
    ['WECHAT', 10],
    ['WEB', 10],
    ['BRANCH', 15],
    ['PARTNER', 10],
  ]),
  INQUIRY: new WeightedTable<Channel>([
    ['CALL_CENTER', 50],
    ['BRANCH', 20],
    ['WECHAT', 20],
    ['MOBILE_APP', 10],
  ]),
  VISIT: new WeightedTable<Channel>([['BRANCH', 1]]),
  COMPLAINT: new WeightedTable<Channel>([
    ['CALL_CENTER', 60],
    ['BRANCH', 20],
    ['MOBILE_APP', 20],
  ]),
};

const LOGIN_SUMMARY: Partial<Record<Channel, string>> = {
  MOBILE_APP: '手机银行登录',
  WECHAT: '微信银行登录',
  WEB: '网上银行登录',
};
const TRANSACTIONS = [
  '活期转账',
  '跨行转账',
  '信用卡还款',
  '购买理财产品',
  '基金定投扣款',
  '缴纳水电燃气费',
  '购买大额存单',
  '手机话费充值',
  '外汇购汇',
];
const INQUIRIES = [
  '咨询大额存单利率',
  '咨询房贷提前还款',
  '咨询基金赎回到账时间',
  '咨询信用卡额度调整',
  '咨询外汇购汇额度',
  '咨询理财产品收益',
  '咨询账户年费',
];
const VISITS = [
  '网点办理业务：开立账户',
  '网点办理业务：挂失补卡',
  '网点理财咨询',
  '网点办理大额取现',
  '网点办理业务：密码重置',
  '网点签约代发工资',
];
const COMPLAINTS = [
  '投诉：网点排队时间过长',
  '投诉：手机银行转账失败',
  '投诉：理财产品收益未达预期',
  '投诉：信用卡年费争议',
  '投诉：营销电话过多',
];

export function generateInteractions(ref: ReferenceData, p: CustomerProfile, out: InteractionRow[]): void {
  const { rng } = p;
  const today = ref.referenceDay;
  let lastDay: number;
  let count: number;
  switch (p.activity) {
    case 'ACTIVE':
      lastDay = today - rng.int(1, 29);
      count = rng.int(14, 34);
      break;
    case 'OCCASIONAL':
      lastDay = today - rng.int(30, 179);
      count = rng.int(8, 24);
      break;
    case 'NEW':
      lastDay = rng.int(p.onboardDay, today - 1);
      count = rng.int(3, 15);
      break;
    case 'DORMANT':
      // Joined over 90 but under 181 days ago and never came back: dormant with no history at all.
      if (p.onboardDay > today - 181) return;
      lastDay = rng.int(Math.max(p.onboardDay, today - HISTORY_DAYS - 20), today - 181);
      count = rng.int(4, 20);
      break;
  }
  if (lastDay < p.onboardDay) lastDay = p.onboardDay;
  const lastInstant = shanghaiInstant(lastDay, rng.int(7 * 3600, 23 * 3600 - 1));
  const firstDay = Math.max(p.onboardDay, Math.min(today - HISTORY_DAYS, lastDay - 60));
  const firstInstant = shanghaiInstant(firstDay, 7 * 3600);
  // Some active customers log in less and less: their history leans to the past.
  const skew = p.activity === 'ACTIVE' && rng.chance(0.15) ? 2.2 : p.activity === 'ACTIVE' ? 0.85 : 1;
  const senior = p.age >= 60;

  for (let n = 0; n < count; n++) {
    let type: InteractionType;
    let instant: number;
    if (n === 0) {
      // The latest login or transaction is what places the customer in a lifecycle stage.
      type = rng.chance(0.7) ? 'LOGIN' : 'TRANSACTION';
      instant = lastInstant;
    } else {
      type = TYPES.pick(rng);
      instant = firstInstant + Math.floor((lastInstant - firstInstant) * Math.pow(rng.next(), skew));
    }
    let channel = CHANNELS_BY_TYPE[type].pick(rng);
    if (senior && (type === 'TRANSACTION' || type === 'INQUIRY') && rng.chance(0.35)) channel = 'BRANCH';
    if (channel === 'BRANCH' && n > 0) {
      // Counters are open 9:00–17:00 on the day; never later than the latest activity.
      instant = Math.min(shanghaiInstant(shanghaiDay(instant), rng.int(9 * 3600, 17 * 3600 - 1)), lastInstant);
    }
    out.push(interaction(ref, p, type, channel, instant, null));
  }
}

export function interaction(
  ref: ReferenceData,
  p: CustomerProfile,
  type: InteractionType,
  channel: Channel,
  instant: number,
  campaign: { id: string; name: string; converted?: boolean } | null,
): InteractionRow {
  const { rng } = p;
  const [summary, outcome] = campaign ? campaignText(type, campaign) : describe(ref, p, type, channel);
  const staffId =
    channel === 'BRANCH'
      ? p.row.relationship_manager_id && rng.chance(0.5)
        ? p.row.relationship_manager_id
        : rng.pick(p.branch.counterStaffIds)
      : channel === 'CALL_CENTER'
        ? rng.pick(ref.callCenterStaffIds)
        : null;
  return {
    id: rng.uuid(),
    customer_id: p.row.id,
    channel,
    type,
    occurred_at: isoInstant(instant),
    summary,
    staff_id: staffId,
    partner_id: channel === 'PARTNER' ? rng.pick(ref.partnerIds) : null,
    campaign_id: campaign?.id ?? null,
    outcome,
    recorded_at: isoInstant(instant + rng.int(0, 5000)),
  };
}

function describe(ref: ReferenceData, p: CustomerProfile, type: InteractionType, channel: Channel): [string, string] {
  const { rng } = p;
  switch (type) {
    case 'LOGIN':
      return [LOGIN_SUMMARY[channel] ?? '电子渠道登录', rng.chance(0.97) ? '登录成功' : '密码错误后重试成功'];
    case 'PRODUCT_VIEW':
      return [`浏览产品：${rng.pick(ref.products).row.name}`, rng.chance(0.8) ? '已浏览' : '加入自选'];
    case 'TRANSACTION':
      return [rng.pick(TRANSACTIONS), rng.chance(0.98) ? '交易成功' : '交易失败：余额不足'];
    case 'INQUIRY':
      return [rng.pick(INQUIRIES), rng.chance(0.8) ? '已解答' : '已转客户经理跟进'];
    case 'VISIT':
      return [rng.pick(VISITS), '已办结'];
    case 'COMPLAINT':
      return [rng.pick(COMPLAINTS), rng.pick(['已受理，待回访', '已解决，客户满意', '已解决，已致歉并说明原因'])];
    default:
      return ['', ''];
  }
}

function campaignText(type: InteractionType, campaign: { name: string; converted?: boolean }): [string, string] {
  if (type === 'CAMPAIGN_CONTACT') return [`营销触达：${campaign.name}`, '已触达'];
  return [`营销响应：${campaign.name}`, campaign.converted ? '已办理' : '有意向，待跟进'];
}

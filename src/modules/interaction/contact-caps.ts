import { addDays, businessToday } from '../../common/business-date';
import type { ContactCapSettings } from '../../config';
import type { SqlParams } from '../../db/parent-relations';

/**
 * Contact frequency caps (issue 19): how many campaign contacts a customer
 * may receive per calendar day and per calendar month, across all channels,
 * the month's cap by tier. Days and months are the bank's (BUSINESS_TIME_ZONE,
 * Asia/Shanghai), not the server's: a contact at 23:59 in Shanghai belongs to
 * that Shanghai day although it is 15:59 UTC.
 *
 * What counts is an allowed campaign contact: a recorded CAMPAIGN_CONTACT
 * without compliance flags. A flagged one (a breach kept as evidence) used
 * no slot, or one breach would make the next compliant contact a breach too.
 *
 * This file is the one place the count is made: per customer (contactCheck,
 * recordInteraction, contactAllowance) and set-based (enrolment) use
 * contactUsageSql, and the rules over its result are the pure functions below.
 */

/** The calendar day and month an instant falls in, as business dates; each window is [start, next). */
export interface CapPeriod {
  day: string;
  nextDay: string;
  month: string;
  nextMonth: string;
}

export function capPeriod(at: Date, timeZone: string): CapPeriod {
  return capPeriodOf(businessToday(timeZone, at));
}

/** The period of a business date (an enrolment run screens as of the day it was started). */
export function capPeriodOf(day: string): CapPeriod {
  const [year, month] = day.split('-').map(Number);
  const next = month === 12 ? { year: year + 1, month: 1 } : { year, month: month + 1 };
  return {
    day,
    nextDay: addDays(day, 1),
    month: `${day.slice(0, 7)}-01`,
    nextMonth: `${String(next.year).padStart(4, '0')}-${String(next.month).padStart(2, '0')}-01`,
  };
}

/** Allowed campaign contacts a customer already had in the period's day and month. */
export interface ContactUsage {
  today: number;
  thisMonth: number;
}

export function monthlyCap(caps: ContactCapSettings, tier: string): number {
  // A tier the settings do not know (none today) gets no contacts rather than unlimited ones.
  return caps.monthly[tier as keyof ContactCapSettings['monthly']] ?? 0;
}

/** Contacts still allowed: today's are bounded by the month's too. */
export function remainingContacts(caps: ContactCapSettings, tier: string, usage: ContactUsage): ContactUsage {
  const thisMonth = Math.max(0, monthlyCap(caps, tier) - usage.thisMonth);
  return { today: Math.max(0, Math.min(caps.daily - usage.today, thisMonth)), thisMonth };
}

/** A contact now would exceed a cap. */
export function capReached(caps: ContactCapSettings, tier: string, usage: ContactUsage): boolean {
  return remainingContacts(caps, tier, usage).today === 0;
}

/** Which reset gives the next slot: the month's when it is used up, else the day's. */
export function nextReset<T>(remaining: ContactUsage, resets: { nextDay: T; nextMonth: T }): T {
  return remaining.thisMonth === 0 ? resets.nextMonth : resets.nextDay;
}

/** The instant a business date starts, in SQL (PostgreSQL's zone database does the arithmetic). */
export function businessDateStartSql(bind: SqlParams['bind'], date: string, timeZone: string): string {
  return `(${bind(date, 'date')}::timestamp AT TIME ZONE ${bind(timeZone, 'text')})`;
}

/**
 * Allowed campaign contacts per customer in the period's day and month: rows
 * (customer_id, today, this_month), none for a customer without contacts.
 * `customers` (a condition on `i.customer_id`: some ids, or a range of them)
 * restricts it, and the customers' contacts are then read from
 * interaction_campaign_contact_customer_idx alone (its predicate is the one
 * below). Without it, it is every
 * customer contacted in the month, read in one range of
 * interaction_campaign_contact_idx (the predicate below is the index's): for
 * many candidates at once, join it to them rather than restricting it, since
 * one probe per candidate costs more than the month's range.
 */
export function contactUsageSql(
  bind: SqlParams['bind'],
  caps: ContactCapSettings,
  period: CapPeriod,
  customers?: string,
): string {
  const start = (date: string) => businessDateStartSql(bind, date, caps.timeZone);
  const restricted = customers ? `AND ${customers}` : '';
  return `SELECT i.customer_id,
      count(*) FILTER (WHERE i.occurred_at >= ${start(period.day)} AND i.occurred_at < ${start(period.nextDay)})::int AS today,
      count(*)::int AS this_month
    FROM interaction i
    WHERE i.type = 'CAMPAIGN_CONTACT' AND i.compliance_flags = '{}'
      AND i.occurred_at >= ${start(period.month)} AND i.occurred_at < ${start(period.nextMonth)}
      ${restricted}
    GROUP BY i.customer_id`;
}

/** The monthly cap of the tier `tierSql` names, as an SQL expression (set-based screening). */
export function monthlyCapSql(bind: SqlParams['bind'], caps: ContactCapSettings, tierSql: string): string {
  const cases = Object.entries(caps.monthly).map(
    ([tier, cap]) => `WHEN ${bind(tier, 'text')} THEN ${bind(cap, 'int')}`,
  );
  return `(CASE ${tierSql} ${cases.join(' ')} ELSE 0 END)`;
}

/**
 * One customer's tier and usage as columns tier, today, "thisMonth" (one
 * row, none when the customer does not exist): what capReached and
 * remainingContacts take.
 */
export function customerUsageSql(
  bind: SqlParams['bind'],
  caps: ContactCapSettings,
  period: CapPeriod,
  customerId: string,
): string {
  return `SELECT cu.tier, coalesce(u.today, 0) AS today, coalesce(u.this_month, 0) AS "thisMonth"
    FROM customer cu LEFT JOIN (${contactUsageSql(bind, caps, period, `i.customer_id = ${customerId}`)}) u ON true
    WHERE cu.id = ${customerId}`;
}

/** Advisory locks on two int keys; the first names what is locked, so other users of such locks cannot collide. */
const CONTACT_CAP_LOCK_SPACE = 19_001;

/**
 * A select-list expression that holds the customer's contact-cap lock until
 * the transaction ends. Taken in a statement before the one that counts (a
 * statement counts from the snapshot it started with), it makes two
 * simultaneous contacts of one customer count one after the other, so they
 * cannot both take the last slot.
 */
export function contactCapLockSql(bind: SqlParams['bind'], customerIdSql: string): string {
  return `pg_advisory_xact_lock(${bind(CONTACT_CAP_LOCK_SPACE, 'int')}, hashtext(${customerIdSql}::text))`;
}

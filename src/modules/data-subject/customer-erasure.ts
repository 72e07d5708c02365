import type { DataSource, EntityManager } from 'typeorm';
import { appError } from '../../common/errors';
import { assertId } from '../../common/ids';
import type { Keyring } from '../../privacy/encryption/keyring';
import type { RequestContext } from '../../request/context';
import type { AuditService } from '../audit/audit.service';
import { HELD_RISK_ASSESSMENTS_SQL, HOLDINGS_SQL, SECTIONS } from './data-subject-sections';
import { ErasureReason } from './data-subject.enums';
import { ErasedRecordCount, ErasureReceipt } from './data-subject.type';
import { HeldData, sealHeldData } from './held-records';

/** What the legal hold keeps of every erased customer (the AML law's identification and transaction records). */
const HELD_KINDS = ['identity', 'holdings', 'dailyBalances', 'riskAssessments'];

/**
 * Everything else, deleted in an order the foreign keys accept (children
 * before their customer; leads, tasks and episodes do not cascade). Deleting
 * consents explicitly, before the customer, lets their trigger update a row
 * that still exists. Each statement takes the customer's id ($1); the
 * leads' also takes the blind index of the customer's phone as a lead's
 * ($2), so that leads registered for the same person as a prospect, never
 * linked to the customer, go too.
 */
// A lead linked to another customer who shares the phone (a family line) is theirs, not this customer's.
const LEADS_BY_CUSTOMER_OR_PHONE = `DELETE FROM lead WHERE customer_id = $1 OR (customer_id IS NULL AND phone_bidx = $2)`;
const DELETIONS: [kind: string, sql: string][] = [
  ['leads', LEADS_BY_CUSTOMER_OR_PHONE],
  ['retentionTasks', `DELETE FROM retention_task WHERE customer_id = $1`],
  ['churnEpisodes', `DELETE FROM churn_episode WHERE customer_id = $1`],
  ['interactions', `DELETE FROM interaction WHERE customer_id = $1`],
  ['consents', `DELETE FROM consent WHERE customer_id = $1`],
  ['tags', `DELETE FROM customer_tag WHERE customer_id = $1`],
  ['campaignEnrollments', `DELETE FROM campaign_enrollment WHERE customer_id = $1`],
  // A range's skips for one reason are one row: the customer leaves the list (an emptied row names nobody).
  [
    'enrollmentScreenings',
    `UPDATE enrollment_skip SET customer_ids = array_remove(customer_ids, $1) WHERE customer_ids @> ARRAY[$1::uuid]`,
  ],
  ['aumHistory', `DELETE FROM customer_aum_snapshot WHERE customer_id = $1`],
  [
    'dailyBalances',
    `DELETE FROM holding_daily_balance d USING holding h WHERE d.holding_id = h.id AND h.customer_id = $1`,
  ],
  ['holdings', `DELETE FROM holding WHERE customer_id = $1`],
  ['riskAssessments', `DELETE FROM risk_assessment WHERE customer_id = $1`],
  ['refreshRequests', `DELETE FROM segment_refresh_request WHERE customer_id = $1`],
  ['profile', `DELETE FROM customer WHERE id = $1`],
];

/**
 * `eraseCustomer` (PIPL Art. 47): in one transaction, the records a legal hold
 * keeps are copied into the customer's tombstone, everything about the
 * customer is deleted, an event tells downstream systems to erase too, and
 * the audit record says what was removed (counts, never values). Erasing an
 * erased customer changes nothing and answers the first erasure's receipt.
 */
export class CustomerErasureService {
  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
    private readonly keyring: Keyring,
    private readonly options: { legalHoldYears: number; businessTimeZone: string },
  ) {}

  async erase(ctx: RequestContext, customerId: string, reason: ErasureReason): Promise<ErasureReceipt> {
    assertId('customerId', customerId);
    return this.ds.transaction(async (em) => {
      // Waits for the enrolment parts screening now, whose skip rows it deletes, and holds off new ones (they
      // have no foreign key to the customer). Taken before the customer's row: a part enrolling this customer
      // waits for that row, so taking it after would deadlock.
      await em.query(`SELECT enrollment_screening_lock(true)`);
      const [customer] = await em.query(
        `SELECT id, customer_no AS "customerNo", name, gender, birth_date::text AS "birthDate", id_type AS "idType",
                id_number AS "idNumber", phone, branch_id AS "branchId", relationship_manager_id AS "relationshipManagerId"
           FROM customer WHERE id = $1 FOR UPDATE`,
        [customerId],
      );
      if (!customer) return this.earlierErasure(em, customerId);
      // The phone is not held: it only finds the prospect's leads.
      const { branchId, relationshipManagerId, phone, ...identity } = customer;
      await this.keyring.prepare(em, [phone]);
      await this.keyring.ensure(em, 'lead');
      const leadPhone = this.keyring.blindIndex('lead', 'phone', this.keyring.decrypt('customer', 'phone', phone));
      // Opened here and sealed whole under the hold's own key (sealHeldData): a customer or holding
      // key rotated or retired later never strands what the law keeps.
      const held: HeldData = {
        ownership: { branchId, relationshipManagerId },
        identity: (await this.keyring.open(em, 'customer', [identity], { id_number: 'idNumber' }))[0],
        holdings: await this.keyring.open(
          em,
          'holding',
          await em.query(HOLDINGS_SQL, [customerId]),
          SECTIONS.holdings.encrypted!.fields,
        ),
        riskAssessments: await em.query(HELD_RISK_ASSESSMENTS_SQL, [customerId]),
      };
      const [erasure] = await em.query(
        `INSERT INTO customer_erasure (customer_id, customer_no, reason, erased_by, held_until, held)
         VALUES ($1, $2, $3, $4, (now() AT TIME ZONE $5)::date + make_interval(years => $6), $7)
         RETURNING erased_at AS "erasedAt", held_until::text AS "heldUntil"`,
        [
          customerId,
          customer.customerNo,
          reason,
          ctx.principal.id,
          this.options.businessTimeZone,
          this.options.legalHoldYears,
          await sealHeldData(em, this.keyring, held),
        ],
      );
      const removed: ErasedRecordCount[] = [];
      for (const [kind, sql] of DELETIONS) {
        const [, count] = await em.query(
          sql,
          sql === LEADS_BY_CUSTOMER_OR_PHONE ? [customerId, leadPhone] : [customerId],
        );
        if (count > 0) removed.push({ kind, count });
      }
      // Systems the bank passed the customer's data to erase it too (PIPL Art. 47); ids only, like every event.
      await em.query(
        `INSERT INTO outbox_event (type, aggregate_id, payload)
         VALUES ('customer.erased', $1, jsonb_build_object('customerId', $1::uuid, 'customerNo', $2::text, 'reason', $3::text))`,
        [customerId, customer.customerNo, reason],
      );
      await this.audit.recordMutation(
        em,
        ctx,
        'eraseCustomer',
        { reason, removed, held: HELD_KINDS, heldUntil: erasure.heldUntil },
        customerId,
      );
      return { customerId, reason, ...erasure, held: HELD_KINDS, removed, alreadyErased: false };
    });
  }

  private async earlierErasure(em: EntityManager, customerId: string): Promise<ErasureReceipt> {
    const [earlier] = await em.query(
      `SELECT reason, erased_at AS "erasedAt", held_until::text AS "heldUntil", held IS NOT NULL AS holding
         FROM customer_erasure WHERE customer_id = $1`,
      [customerId],
    );
    if (!earlier) throw appError('NOT_FOUND', 'No such customer');
    return {
      customerId,
      reason: earlier.reason,
      erasedAt: earlier.erasedAt,
      heldUntil: earlier.heldUntil,
      held: earlier.holding ? HELD_KINDS : [],
      removed: [],
      alreadyErased: true,
    };
  }
}

/** Clears the holds that ran out (the nightly run): the tombstone stays, so the customer cannot be loaded back. */
export async function releaseExpiredHolds(em: EntityManager, timeZone: string, now: Date): Promise<number> {
  const [, released] = await em.query(
    `UPDATE customer_erasure SET held = NULL WHERE held IS NOT NULL AND held_until < ($1::timestamptz AT TIME ZONE $2)::date`,
    [now, timeZone],
  );
  return released;
}

import type { EntityManager } from 'typeorm';
import { appError } from '../../common/errors';
import { assertId } from '../../common/ids';
import type { SegmentationThresholds } from '../../config';
import { DocumentView } from '../../privacy/document-view';
import type { Keyring } from '../../privacy/encryption/keyring';
import type { CustomerOwnership } from '../../privacy/request-privacy';
import type { RequestContext } from '../../request/context';
import { CustomerEntity } from '../customer/customer.entity';
import { toCustomer } from '../customer/customer.mapper';
import { openCustomerRows } from '../customer/customer-sealing';
import { EXEMPTIONS, readSection, SECTIONS } from './data-subject-sections';
import { DataSubjectExport } from './data-subject.type';
import { HeldRecords } from './held-records';

/** The profile's fields in the export: the Customer type's own, without its relations (sections of their own). */
const PROFILE_FIELDS = [
  'id',
  'customerNo',
  'name',
  'gender',
  'birthDate',
  'ageBand',
  'idNumber',
  'phone',
  'email',
  'address',
  'city',
  'tier',
  'lifecycleStage',
  'aum',
  'aumBand',
  'kycStatus',
  'churnSignals',
] as const;

/**
 * A customer's data-subject export (PIPL Art. 45): everything the gateway
 * holds about them, read in one snapshot and under the caller's privacy plan
 * for that customer, every sensitive field read in full noted for the read
 * audit like any other read. An erased customer's export is what the legal
 * hold keeps.
 */
export class DataSubjectExportService {
  constructor(
    private readonly thresholds: SegmentationThresholds,
    private readonly keyring: Keyring,
  ) {}

  async export(ctx: RequestContext, customerId: string): Promise<DataSubjectExport> {
    assertId('customerId', customerId);
    // One snapshot, so that no section contradicts another (a holding sold between two reads).
    return ctx.reads.transaction('REPEATABLE READ', async (em) => {
      const row = await em.getRepository(CustomerEntity).findOneBy({ id: customerId });
      if (row) return this.live(ctx, em, (await openCustomerRows(this.keyring, em, [row]))[0]);
      const held = await HeldRecords.of(em, this.keyring, customerId);
      if (held) return this.held(ctx, em, customerId, held);
      throw appError('NOT_FOUND', 'No such customer');
    });
  }

  private async live(ctx: RequestContext, em: EntityManager, row: CustomerEntity): Promise<DataSubjectExport> {
    const customer = toCustomer(row, ctx.today, this.thresholds);
    const view = new DocumentView(ctx.privacy, customer, ctx.audit);
    const [organisation] = await em.query(
      `SELECT json_build_object('code', b.code, 'name', b.name, 'city', b.city) AS branch,
              CASE WHEN s.id IS NULL THEN NULL ELSE json_build_object('id', s.id, 'name', s.name) END AS rm
         FROM branch b LEFT JOIN staff s ON s.id = $2 WHERE b.id = $1`,
      [row.branchId, row.relationshipManagerId],
    );
    const profile = Object.fromEntries(PROFILE_FIELDS.map((field) => [field, customer[field]]));
    const document: Record<string, unknown> = {
      profile: view.object(
        'Customer',
        {
          ...profile,
          branch: view.object('Branch', organisation.branch),
          relationshipManager: organisation.rm && view.object('RelationshipManager', organisation.rm),
        },
        { maskInputs: { addressParts: customer.addressParts } },
      ),
    };
    for (const [name, section] of Object.entries(SECTIONS)) {
      const rows = await readSection(em, section, row, this.keyring);
      document[name] = rows.map((r) => {
        const nested = Object.entries(section.nested ?? {}).map(([key, type]) => [
          key,
          r[key] && view.object(type, r[key] as Record<string, unknown>),
        ]);
        return view.object(section.type, { ...r, ...Object.fromEntries(nested) }, { readAs: section.readAs });
      });
    }
    return {
      customerId: row.id,
      generatedAt: new Date(),
      erasedAt: null,
      heldUntil: null,
      document,
      withheld: view.withheld,
      exemptions: EXEMPTIONS,
    };
  }

  private async held(
    ctx: RequestContext,
    em: EntityManager,
    customerId: string,
    held: HeldRecords,
  ): Promise<DataSubjectExport> {
    const owner: CustomerOwnership = { id: customerId, personalisedMarketingWithdrawn: false, ...held.ownership };
    const view = new DocumentView(ctx.privacy, owner, ctx.audit);
    const document: Record<string, unknown> = {};
    const records = held.records;
    if (records) {
      // A hold written before holds were sealed whole kept these encrypted under their own keys; opening a plaintext is a no-op.
      await this.keyring.open(em, 'customer', [records.identity], { id_number: 'idNumber' });
      await this.keyring.open(em, 'holding', records.holdings, SECTIONS.holdings.encrypted!.fields);
      document.profile = view.object('Customer', records.identity);
      document.holdings = records.holdings.map((h) =>
        view.object(
          'Holding',
          { ...h, product: view.object('Product', h.product as Record<string, unknown>) },
          { readAs: SECTIONS.holdings.readAs },
        ),
      );
      document.riskAssessments = view.objects(
        'RiskProfile',
        records.riskAssessments.map(({ amlRating: _withheldByLaw, ...assessment }) => assessment),
      );
    }
    return {
      customerId,
      generatedAt: new Date(),
      erasedAt: held.erasedAt,
      heldUntil: held.heldUntil,
      document,
      withheld: view.withheld,
      exemptions: EXEMPTIONS,
    };
  }
}

import { DataSource, DeepPartial, EntityTarget, ObjectLiteral } from 'typeorm';
import { CampaignEnrollmentEntity, CampaignEntity } from '../../src/modules/campaign/campaign.entity';
import { CampaignStatus, EnrollmentStatus } from '../../src/modules/campaign/campaign.enums';
import { ConsentEntity } from '../../src/modules/consent/consent.entity';
import { ConsentPurpose } from '../../src/modules/consent/consent.enums';
import { CustomerAumSnapshotEntity, CustomerEntity } from '../../src/modules/customer/customer.entity';
import { Gender, IdType, KycStatus } from '../../src/modules/customer/customer.enums';
import { HoldingEntity, ProductEntity, FxRateEntity } from '../../src/modules/holding/holding.entity';
import { HoldingStatus, ProductType, RiskLevel } from '../../src/modules/holding/holding.enums';
import { InteractionEntity } from '../../src/modules/interaction/interaction.entity';
import { Channel, InteractionType } from '../../src/modules/interaction/interaction.enums';
import { BranchEntity } from '../../src/modules/organisation/branch.entity';
import { StaffEntity } from '../../src/modules/organisation/staff.entity';
import { RiskAssessmentEntity } from '../../src/modules/risk/risk-assessment.entity';
import { AmlRating, RiskTolerance } from '../../src/modules/risk/risk.enums';
import { CustomerTagEntity, TagEntity } from '../../src/modules/tag/tag.entity';
import { ChurnSignal, Tier } from '../../src/modules/customer/customer.enums';
import { ChurnEpisodeEntity, RetentionTaskEntity } from '../../src/modules/task/task.entity';
import { TaskStatus } from '../../src/modules/task/task.enums';
import { TagCategory, TagSource } from '../../src/modules/tag/tag.enums';
import { residentIdNumber } from '../../src/seed/id-number';
import { LeadEntity } from '../../src/modules/lead/lead.entity';
import { LeadIntent, LeadStatus } from '../../src/modules/lead/lead.enums';
import { ENCRYPTION, KeyScope } from '../../src/privacy/encryption/keyring';
import { keyringFor } from '../../src/privacy/encryption/keyrings';

/** `id_number_bidx` → `idNumberBidx`: the entity property of a column the keyring names. */
const propertyOf = (column: string) => column.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());

/**
 * Builders for test data: each call inserts one valid row with sensible
 * defaults, unique where the schema demands it, and returns it. A test states
 * only what it cares about.
 */
export class Factory {
  private seq = 0;

  /** A data source, or a getter for one that is not open yet (see useTestApp). */
  constructor(private readonly source: DataSource | (() => DataSource)) {}

  /**
   * Saves an entity whose encrypted columns are given in plaintext: stores
   * their ciphertexts and blind indexes as the app does, and returns the row
   * with the plaintext, as a test compares it with what the API answers.
   */
  private async saveSealed<E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    scope: KeyScope,
    values: NoInfer<DeepPartial<E>>,
  ): Promise<E> {
    // The server's keyring when it runs on this data source (useTestApp): its master key opens these rows.
    const keyring = keyringFor(this.ds);
    await keyring.ensure(this.ds, scope);
    const plain: Record<string, string | null> = {};
    for (const column of ENCRYPTION[scope].columns) {
      plain[column] = ((values as Record<string, unknown>)[propertyOf(column)] as string | null | undefined) ?? null;
    }
    const stored = Object.fromEntries(
      Object.entries(keyring.sealRow(scope, plain)).map(([column, value]) => [propertyOf(column), value]),
    );
    const saved = await this.save(entity, { ...values, ...stored } as NoInfer<DeepPartial<E>>);
    for (const column of ENCRYPTION[scope].columns)
      (saved as Record<string, unknown>)[propertyOf(column)] = plain[column];
    return saved;
  }

  private get ds(): DataSource {
    return typeof this.source === 'function' ? this.source() : this.source;
  }

  private next(): number {
    return ++this.seq;
  }

  private save<E extends ObjectLiteral>(entity: EntityTarget<E>, values: NoInfer<DeepPartial<E>>): Promise<E> {
    const repo = this.ds.getRepository(entity);
    return repo.save(repo.create(values)) as Promise<E>;
  }

  branch(values: Partial<BranchEntity> = {}) {
    const n = this.next();
    return this.save(BranchEntity, { code: `TB${n}`, name: `测试支行${n}`, city: '北京市', ...values });
  }

  async staff(values: Partial<StaffEntity> = {}) {
    const n = this.next();
    const branchId = values.branchId ?? (await this.branch()).id;
    return this.save(StaffEntity, { employeeNo: `E${n}`, name: `经理${n}`, title: '客户经理', ...values, branchId });
  }

  async customer(values: Partial<CustomerEntity> = {}) {
    const n = this.next();
    const branchId = values.branchId ?? (await this.branch()).id;
    const birthDate = values.birthDate ?? '1985-06-15';
    return this.saveSealed(CustomerEntity, 'customer', {
      customerNo: `C${String(n).padStart(9, '0')}`,
      name: '张三丰',
      gender: Gender.MALE,
      birthDate,
      idType: IdType.RESIDENT_ID,
      // A region has 500 male sequence numbers per birth date; the 501st customer moves to the next region code.
      idNumber: residentIdNumber(String(110105 + Math.floor(n / 500)), birthDate, (2 * n) % 1000, 'MALE'),
      phone: `138${String(n).padStart(8, '0')}`,
      email: `user${n}@example.com`,
      addressProvince: '北京市',
      addressCity: '北京市',
      addressDistrict: '朝阳区',
      addressStreet: `建国路${n}号`,
      city: '北京市',
      kycStatus: KycStatus.VERIFIED,
      onboardedOn: '2020-01-01',
      ...values,
      branchId,
    });
  }

  tag(values: Partial<TagEntity> = {}) {
    const n = this.next();
    return this.save(TagEntity, { code: `TAG_${n}`, name: `标签${n}`, category: TagCategory.BEHAVIOR, ...values });
  }

  customerTag(customerId: string, tagId: string, values: Partial<CustomerTagEntity> = {}) {
    return this.save(CustomerTagEntity, {
      customerId,
      tagId,
      source: TagSource.RULE,
      confidence: '0.900',
      assignedAt: new Date('2026-01-01T00:00:00Z'),
      expiresAt: null,
      ...values,
    });
  }

  product(values: Partial<ProductEntity> = {}) {
    const n = this.next();
    return this.save(ProductEntity, {
      code: `P${n}`,
      name: `产品${n}`,
      type: ProductType.DEPOSIT,
      riskLevel: RiskLevel.R1,
      ...values,
    });
  }

  async holding(customerId: string, values: Partial<HoldingEntity> = {}) {
    const n = this.next();
    const productId = values.productId ?? (await this.product()).id;
    return this.saveSealed(HoldingEntity, 'holding', {
      customerId,
      accountNo: `6222${String(n).padStart(12, '0')}`,
      balance: '10000.00',
      currency: 'CNY',
      openedOn: '2024-01-01',
      maturityDate: null,
      status: HoldingStatus.ACTIVE,
      ...values,
      productId,
    });
  }

  fxRate(currency: string, rateDate: string, cnyPerUnit: string) {
    return this.save(FxRateEntity, { currency, rateDate, cnyPerUnit });
  }

  interaction(customerId: string, values: Partial<InteractionEntity> = {}) {
    return this.save(InteractionEntity, {
      customerId,
      channel: Channel.MOBILE_APP,
      type: InteractionType.LOGIN,
      occurredAt: new Date(),
      summary: '登录手机银行',
      outcome: null,
      ...values,
    });
  }

  async campaign(values: Partial<CampaignEntity> = {}) {
    const n = this.next();
    const createdBy = values.createdBy ?? (await this.staff()).id;
    return this.save(CampaignEntity, {
      code: `CMP${n}`,
      name: `活动${n}`,
      objective: null,
      status: CampaignStatus.DRAFT,
      targetTiers: [],
      targetLifecycleStages: [],
      targetTagCodes: [],
      channels: [Channel.MOBILE_APP],
      budget: '0.00',
      cost: '0.00',
      ...values,
      createdBy,
    });
  }

  enrollment(campaignId: string, customerId: string, values: Partial<CampaignEnrollmentEntity> = {}) {
    const now = new Date();
    return this.save(CampaignEnrollmentEntity, {
      campaignId,
      customerId,
      status: EnrollmentStatus.TARGETED,
      channel: Channel.MOBILE_APP,
      revenue: '0.00',
      enrolledAt: now,
      updatedAt: now,
      ...values,
    });
  }

  riskAssessment(customerId: string, values: Partial<RiskAssessmentEntity> = {}) {
    return this.save(RiskAssessmentEntity, {
      customerId,
      riskTolerance: RiskTolerance.C3,
      assessedAt: new Date('2026-06-01T02:00:00Z'),
      validUntil: '2027-06-01',
      creditGrade: null,
      amlRating: AmlRating.LOW,
      ...values,
    });
  }

  /** A customer a partner may write to: partner-sharing consent granted (PRODUCT.md §2). */
  async partnerSharedCustomer(values: Partial<CustomerEntity> = {}) {
    const customer = await this.customer(values);
    await this.consent(customer.id, { purpose: ConsentPurpose.PARTNER_SHARING, channel: null, granted: true });
    return customer;
  }

  consent(customerId: string, values: Partial<ConsentEntity> = {}) {
    const purpose = values.purpose ?? ConsentPurpose.MARKETING;
    return this.save(ConsentEntity, {
      customerId,
      purpose,
      channel: purpose === ConsentPurpose.MARKETING ? Channel.MOBILE_APP : null,
      granted: true,
      updatedAt: new Date(),
      ...values,
    });
  }

  aumSnapshot(customerId: string, month: string, aum: string) {
    return this.save(CustomerAumSnapshotEntity, { customerId, month, aum });
  }

  /**
   * A churn episode and its retention task, as segmentation opens them (for
   * tests of what reads them; retention-tasks.test.ts drives segmentation itself).
   */
  /** A lead with every field set: scored HIGH, routed to the customer's manager, contacted. */
  lead(customer: Pick<CustomerEntity, 'id' | 'branchId' | 'relationshipManagerId'>, values: Partial<LeadEntity> = {}) {
    const n = this.next();
    return this.saveSealed(LeadEntity, 'lead', {
      name: '李四',
      phone: `137${String(n).padStart(8, '0')}`,
      productInterest: '稳健理财',
      sourceChannel: Channel.MOBILE_APP,
      customerId: customer.id,
      registeredBy: 'test',
      city: '深圳市',
      consentReference: `CONSENT-${n}`,
      intent: LeadIntent.HIGH,
      status: LeadStatus.CONTACTED,
      assigneeId: customer.relationshipManagerId,
      branchId: customer.branchId,
      contactedAt: new Date(),
      updatedAt: new Date(),
      ...values,
    });
  }

  /**
   * A run that has ended (SUCCEEDED) with its skip list, written as the job
   * leaves one: `skips` name the customers skipped, why, and when (default now).
   */
  async finishedRun(
    campaignId: string,
    skips: readonly { customerId: string; reason: string; createdAt?: string }[],
    values: { enrolled?: number; requestedBy?: string; requestedRoles?: string[]; businessDate?: string } = {},
  ): Promise<{ id: string }> {
    const { enrolled = 0, requestedBy = 'test', requestedRoles = [], businessDate = null } = values;
    const skipped: Record<string, number> = {};
    for (const { reason } of skips) skipped[reason] = (skipped[reason] ?? 0) + 1;
    const [run] = await this.ds.query(
      `INSERT INTO enrollment_run (id, campaign_id, requested_by, requested_roles, request_id, business_date, status,
                                   total, done, enrolled, skipped, finished_at)
       VALUES (gen_random_uuid(), $1, $2, $3, 'test', coalesce($4::date, current_date), 'SUCCEEDED', $5, $5, $6, $7,
               now())
       RETURNING id`,
      [
        campaignId,
        requestedBy,
        requestedRoles,
        businessDate,
        enrolled + skips.length,
        enrolled,
        JSON.stringify(skipped),
      ],
    );
    // One row (part) per skip, so each keeps its own time.
    for (const [part, skip] of skips.entries())
      await this.ds.query(
        `INSERT INTO enrollment_skip (run_id, part, customer_ids, campaign_id, reason, created_at)
         VALUES ($1, $2, ARRAY[$3::uuid], $4, $5, coalesce($6::timestamptz, now()))`,
        [run.id, part, skip.customerId, campaignId, skip.reason, skip.createdAt ?? null],
      );
    return run;
  }

  async retentionTask(
    customer: Pick<CustomerEntity, 'id' | 'branchId' | 'relationshipManagerId'>,
    values: Partial<RetentionTaskEntity> = {},
    episode: Partial<ChurnEpisodeEntity> = {},
  ) {
    // A minute ago by default, so that an episode a test ends "now" ends after it started.
    const openedAt = values.openedAt ?? new Date(Date.now() - 60_000);
    const saved = await this.save(ChurnEpisodeEntity, {
      customerId: customer.id,
      startedAt: openedAt,
      endedAt: null,
      tier: Tier.MASS,
      signals: [ChurnSignal.COMPLAINTS_RISING],
      ...episode,
    });
    return this.save(RetentionTaskEntity, {
      episodeId: saved.id,
      customerId: customer.id,
      assigneeId: customer.relationshipManagerId,
      branchId: customer.branchId,
      openedAt,
      dueOn: openedAt.toISOString().slice(0, 10),
      status: TaskStatus.OPEN,
      outcome: null,
      reason: null,
      note: null,
      completedAt: null,
      completedBy: null,
      ...values,
    });
  }
}

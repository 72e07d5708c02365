import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { appError, badUserInput } from '../../common/errors';
import { assertId } from '../../common/ids';
import { noteProblem } from '../../common/input-bounds';
import { sqlStateOf } from '../../db/sql-state';
import type { RequestContext } from '../../request/context';
import { AuditService } from '../audit/audit.service';
import { ProductEntity } from '../holding/holding.entity';
import { ContentProblem, contentProblem, ForbiddenClaim, forbiddenClaims } from './campaign-content';
import { CampaignAction, isCheckerFor, nextStatus } from './campaign-lifecycle';
import { lockCampaign } from './campaign-lock';
import { CampaignEntity } from './campaign.entity';
import { CampaignStatus } from './campaign.enums';
import { CampaignInput } from './campaign.inputs';
import { toCampaign } from './campaign.mapper';
import { Campaign } from './campaign.type';

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * The write side of campaigns. Every command runs in one transaction that
 * locks the campaign row, checks the transition against the lifecycle, writes
 * and leaves its audit record: concurrent commands on one campaign queue on
 * the lock, so exactly one of two racing approvals wins and the other sees
 * the new state (CONFLICT).
 */
export class CampaignCommandService {
  private readonly claims: readonly ForbiddenClaim[];

  constructor(
    private readonly ds: DataSource,
    private readonly audit: AuditService,
    forbiddenClaimPhrases: readonly string[],
  ) {
    this.claims = forbiddenClaims(forbiddenClaimPhrases);
  }

  async create(ctx: RequestContext, input: CampaignInput): Promise<Campaign> {
    const actor = ctx.principal.id;
    checkPlan(input);
    return this.inTransaction(async (em) => {
      const row = await em
        .getRepository(CampaignEntity)
        .save(
          em
            .getRepository(CampaignEntity)
            .create({ ...columnsOf(input), status: CampaignStatus.DRAFT, createdBy: actor }),
        );
      await this.audit.recordMutation(em, ctx, 'createCampaign', { campaignId: row.id, code: row.code });
      return toCampaign(row);
    });
  }

  async update(ctx: RequestContext, id: string, input: CampaignInput): Promise<Campaign> {
    checkPlan(input);
    return this.transition(ctx, id, 'update', columnsOf(input));
  }

  /** The reason is for the maker, who reads it on the campaign, and for the audit record. */
  async reject(ctx: RequestContext, id: string, reason: string | null): Promise<Campaign> {
    const problem = reason === null ? undefined : noteProblem(reason);
    if (problem) throw badUserInput('reason', `reason ${problem}`);
    return this.transition(ctx, id, 'reject', { rejectionReason: reason });
  }

  async transition(
    ctx: RequestContext,
    id: string,
    action: CampaignAction,
    changes: Partial<CampaignEntity> = {},
  ): Promise<Campaign> {
    assertId('id', id);
    const actor = ctx.principal.id;
    return this.inTransaction(async (em) => {
      const row = await lockCampaign(em, id);
      const status = nextStatus(action, row.status);
      if (!status) {
        throw appError('CONFLICT', `Cannot ${action} a campaign that is ${row.status}`, { currentStatus: row.status });
      }
      if ((action === 'approve' || action === 'reject') && !isCheckerFor(row, actor)) {
        throw appError('FORBIDDEN', 'A campaign is approved or rejected by a manager other than its creator');
      }
      if (action === 'submit') await this.checkContent(em, row);
      const from = row.status;
      Object.assign(row, changes, { status });
      if (action === 'approve') row.approvedBy = actor;
      if (action === 'reject') row.rejectedBy = actor;
      if (action === 'update') Object.assign(row, { approvedBy: null, rejectedBy: null, rejectionReason: null });
      const saved = await em.getRepository(CampaignEntity).save(row);
      const reason = action === 'reject' ? { reason: row.rejectionReason } : {};
      await this.audit.recordMutation(em, ctx, `${action}Campaign`, { campaignId: id, from, to: status, ...reason });
      return toCampaign(saved);
    });
  }

  /** Forbidden claims and the risk disclosure (PRODUCT.md §4): a refusal names the phrase and where it is. */
  private async checkContent(em: EntityManager, row: CampaignEntity): Promise<void> {
    const product = row.productId
      ? await em.getRepository(ProductEntity).findOne({ select: { riskLevel: true }, where: { id: row.productId } })
      : null;
    const problem = contentProblem(
      { messages: row.messages, riskDisclosure: row.riskDisclosure, productRiskLevel: product?.riskLevel ?? null },
      this.claims,
    );
    if (problem) throw contentError(problem);
  }

  /**
   * A duplicate code is the client's CONFLICT, and a productId naming no
   * product (the campaign's only foreign key) its BAD_USER_INPUT, not
   * internal errors; the transaction has rolled back either way.
   */
  private async inTransaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.ds.transaction(work);
    } catch (error) {
      const sqlState = error instanceof QueryFailedError ? sqlStateOf(error) : undefined;
      if (sqlState === UNIQUE_VIOLATION) {
        throw appError('CONFLICT', 'A campaign with this code already exists', { field: 'input.code' });
      }
      if (sqlState === FOREIGN_KEY_VIOLATION) throw badUserInput('input.productId', 'No such product');
      throw error;
    }
  }
}

function contentError({ field, message, phrase }: ContentProblem) {
  return appError('BAD_USER_INPUT', message, phrase === undefined ? { field } : { field, phrase });
}

function checkPlan(input: CampaignInput): void {
  const { aumMin, aumMax } = input.targetCriteria;
  if (aumMin != null && aumMax != null && Number(aumMax) < Number(aumMin)) {
    throw badUserInput('input.targetCriteria.aumMax', 'aumMax must not be below aumMin');
  }
  if (input.startsOn && input.endsOn && input.endsOn < input.startsOn) {
    throw badUserInput('input.endsOn', 'endsOn must not be before startsOn');
  }
  const seen = new Set<string>();
  input.messages.forEach(({ channel }, i) => {
    if (!input.channels.includes(channel)) {
      throw badUserInput(`input.messages[${i}].channel`, `${channel} is not one of the campaign's channels`);
    }
    if (seen.has(channel)) throw badUserInput(`input.messages[${i}].channel`, `A second message for ${channel}`);
    seen.add(channel);
  });
}

function columnsOf(input: CampaignInput): Partial<CampaignEntity> {
  return {
    code: input.code,
    name: input.name,
    objective: input.objective ?? null,
    targetTiers: input.targetCriteria.tiers,
    targetLifecycleStages: input.targetCriteria.lifecycleStages,
    targetTagCodes: input.targetCriteria.tagCodes,
    targetAumMin: input.targetCriteria.aumMin ?? null,
    targetAumMax: input.targetCriteria.aumMax ?? null,
    channels: input.channels,
    productId: input.productId ?? null,
    budget: input.budget,
    startsOn: input.startsOn ?? null,
    endsOn: input.endsOn ?? null,
    messages: input.messages.map(({ channel, text }) => ({ channel, text })),
    riskDisclosure: input.riskDisclosure ?? null,
  };
}

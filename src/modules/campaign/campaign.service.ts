import { instantAndId } from '../../common/cursor-keys';
import { assertId } from '../../common/ids';
import { Connection, PageArgs, toConnection, toPageRequest } from '../../common/pagination';
import type { RequestContext } from '../../request/context';
import { CampaignEntity } from './campaign.entity';
import { CampaignStatus } from './campaign.enums';
import { toCampaign } from './campaign.mapper';
import { Campaign } from './campaign.type';

/** Reads only, through the request's read source (a replica for queries). */
export class CampaignService {
  async getById(ctx: RequestContext, id: string): Promise<Campaign | null> {
    assertId('id', id);
    return ctx.loaders.campaign.byId.load(id);
  }

  /** Campaigns, newest first, optionally of one status. */
  async page(
    ctx: RequestContext,
    status: CampaignStatus | null | undefined,
    args: PageArgs,
  ): Promise<Connection<Campaign>> {
    const page = toPageRequest(args, instantAndId);
    const matching = () => {
      const q = ctx.reads.getRepository(CampaignEntity).createQueryBuilder('c').where('true');
      if (status) q.andWhere('c.status = :status', { status });
      return q;
    };
    const query = matching()
      .orderBy('c.created_at', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .limit(page.limit + 1);
    if (page.after) {
      const [createdAt, id] = page.after;
      query.andWhere('(c.created_at, c.id) < (:createdAt::timestamptz, :id::uuid)', { createdAt, id });
    }
    const rows = await query.getMany();
    return toConnection(
      rows,
      page.limit,
      (c) => [c.createdAt.toISOString(), c.id],
      toCampaign,
      () => matching().getCount(),
    );
  }
}

import { EntityManager } from 'typeorm';
import { appError } from '../../common/errors';
import { CampaignEntity } from './campaign.entity';

/**
 * The campaign row, locked for the rest of the transaction: lifecycle
 * commands and enrolment runs on one campaign queue here, one at a time.
 */
export async function lockCampaign(em: EntityManager, id: string): Promise<CampaignEntity> {
  const campaign = await em
    .getRepository(CampaignEntity)
    .createQueryBuilder('c')
    .setLock('pessimistic_write')
    .where('c.id = :id', { id })
    .getOne();
  if (!campaign) throw appError('NOT_FOUND', 'No such campaign');
  return campaign;
}

import DataLoader from 'dataloader';
import { DataSource, In } from 'typeorm';
import { byKey, groupByKey } from '../../db/batch';
import { CampaignEnrollmentEntity, CampaignEntity } from './campaign.entity';
import { toCampaign } from './campaign.mapper';
import { Campaign, CampaignEnrollment } from './campaign.type';

export function createCampaignLoaders(ds: DataSource) {
  return {
    byId: new DataLoader<string, Campaign | null>(async (ids) => {
      const rows = await ds.getRepository(CampaignEntity).find({ where: { id: In([...ids]) } });
      return byKey(ids, rows.map(toCampaign), (c) => c.id);
    }),

    /** A customer's enrolments, newest first: bounded by the number of campaigns a customer can be in. */
    enrollmentsByCustomer: new DataLoader<string, CampaignEnrollment[]>(async (customerIds) => {
      const rows = await ds.getRepository(CampaignEnrollmentEntity).find({
        select: { customerId: true, campaignId: true, status: true, channel: true, enrolledAt: true },
        where: { customerId: In([...customerIds]) },
        order: { enrolledAt: 'DESC' },
      });
      return groupByKey(customerIds, rows, (r) => r.customerId);
    }),
  };
}

import { DataSource } from 'typeorm';
import { RelationLoader } from '../../db/parent-relations';
import { Consent } from './consent.type';

export function createConsentLoaders(ds: DataSource) {
  return {
    byCustomer: new RelationLoader<Consent[]>(ds, {
      subquery: () =>
        `SELECT coalesce(json_agg(json_build_object(
                  'purpose', k.purpose, 'channel', k.channel, 'granted', k.granted, 'updatedAt', k.updated_at)
                ORDER BY k.purpose, k.channel), '[]')
         FROM consent k WHERE k.customer_id = parent.id`,
      decode: (rows) =>
        (rows as (Omit<Consent, 'updatedAt'> & { updatedAt: string })[]).map((row) => ({
          ...row,
          updatedAt: new Date(row.updatedAt),
        })),
    }),
  };
}

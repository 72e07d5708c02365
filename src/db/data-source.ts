import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { entities } from './entities';
import { migrations } from './migrations';
import { installPgTypeParsers } from './pg-types';

export interface DataSourceOptions {
  poolSize?: number;
  /** Name reported to PostgreSQL (pg_stat_activity), to tell instances apart. */
  applicationName?: string;
}

export function createDataSource(url: string, options: DataSourceOptions = {}): DataSource {
  installPgTypeParsers();
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    // Schema changes come only from reviewed migrations.
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    poolSize: options.poolSize ?? 10,
    applicationName: options.applicationName ?? 'customer360-gateway',
    logging: false,
  });
}

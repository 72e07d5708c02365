/**
 * The data source for the TypeORM CLI (npm run typeorm -- migration:show ...).
 * The app and the tests build theirs with the same createDataSource.
 */
import { createDataSource } from './src/db/data-source';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL must be set to use the TypeORM CLI');

export default createDataSource(url);

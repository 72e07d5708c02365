import { runId, templateName, withAdmin } from './test-database';

export default async function globalTeardown(): Promise<void> {
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${templateName(runId())} WITH (FORCE)`));
}

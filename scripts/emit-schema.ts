/** Writes the emitted SDL to schema/schema.graphql; a test fails when the checked-in copy is stale. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema } from 'graphql';
import { getSchema } from '../src/server/schema';

export const SCHEMA_PATH = join(__dirname, '..', 'schema', 'schema.graphql');

export async function emittedSchema(): Promise<string> {
  return `${printSchema(await getSchema())}\n`;
}

if (require.main === module) {
  emittedSchema().then((sdl) => {
    writeFileSync(SCHEMA_PATH, sdl);
    console.log(`wrote ${SCHEMA_PATH}`);
  });
}

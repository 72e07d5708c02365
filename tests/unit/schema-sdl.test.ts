import { readFileSync } from 'node:fs';
import { emittedSchema, SCHEMA_PATH } from '../../scripts/emit-schema';

describe('schema/schema.graphql', () => {
  it('is the SDL the code emits (run `npm run schema:emit` after changing the schema)', async () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(await emittedSchema());
  });
});

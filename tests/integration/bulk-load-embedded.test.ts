import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freshCloneEnv } from '../support/embedded-entry-point';

/**
 * `npm run load` with no DATABASE_URL, on the embedded database (PGlite
 * behind pglite-socket, which cannot run inside jest: the CLI runs as its
 * own process, on a data directory of the test's). Its wire protocol does
 * not carry COPY (tried: the server loses protocol synchronisation and drops
 * the connection), so the loader stages rows there with batched INSERTs;
 * everything after staging is the same SQL.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'c360-load-embedded-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const run = promisify(execFile);
async function load(kind: string, content: string) {
  const file = join(dir, `${kind}.csv`);
  await writeFile(file, content);
  const { stdout } = await run(
    process.execPath,
    ['-r', '@swc-node/register', join(__dirname, '../../scripts/load.ts'), '--kind', kind, '--file', file],
    { env: { ...freshCloneEnv(), EMBEDDED_DB_DIR: join(dir, 'pglite') } },
  );
  return stdout;
}

it('loads through batched INSERTs on the embedded database, with the same checks, and reloads unchanged', async () => {
  const note =
    '\n  (embedded database: rows were staged with batched INSERTs; its socket server does not carry COPY)\n';
  const summary = (kind: string, counts: string) =>
    new RegExp(`^${kind} \\S+: ${counts} in [\\d.]+ s \\(\\d+ rows/s\\); report \\S+${note.replace(/[()]/g, '\\$&')}$`);

  expect(await load('branches', `branch_id,code,name,city\n${randomUUID()},EB001,嵌入支行,上海市\n`)).toMatch(
    summary('branches', 'read 1, inserted 1, updated 0, unchanged 0, rejected 0'),
  );
  await load('products', 'code,name,type,risk_level\nEP1,活期,DEPOSIT,R1\n');
  await load(
    'customers',
    'customer_no,name,gender,birth_date,id_type,id_number,phone,address_province,address_city,address_district,address_street,city,branch_code,kyc_status,onboarded_on\n' +
      'EC1,陈静,FEMALE,1990-01-01,PASSPORT,E12345678,13900000001,上海市,上海市,浦东新区,世纪大道1号,上海市,EB001,VERIFIED,2021-01-01\n',
  );
  // More rows than one staging INSERT takes.
  const holdings =
    'account_no,customer_no,product_code,balance,opened_on,status\n' +
    Array.from({ length: 4_500 }, (_, i) => `EA${i},EC1,EP1,${i}.50,2024-01-01,ACTIVE`).join('\n') +
    '\nEA_X,NOBODY,EP1,1.00,2024-01-01,ACTIVE\n';
  expect(await load('holdings', holdings)).toMatch(
    summary('holdings', 'read 4501, inserted 4500, updated 0, unchanged 0, rejected 1'),
  );
  expect(await readFile(join(dir, 'holdings.csv.rejects.csv'), 'utf8')).toBe(
    'row,key,reason\n4501,EA_X,customer_no: no customer has this number\n',
  );
  expect(await load('holdings', holdings)).toMatch(
    summary('holdings', 'read 4501, inserted 0, updated 0, unchanged 4500, rejected 1'),
  );
}, 180_000);

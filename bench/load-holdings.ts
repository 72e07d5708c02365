/**
 * How fast the bulk loader takes holdings (issue 17: 1,000,000 in under 60 s).
 * Creates (or replaces) the database c360_load_bench on the server of
 * DATABASE_URL, seeds customers into it with the demo seed, writes a CSV of
 * N new holdings for those customers and the seeded products, then loads it
 * twice with the loader the CLI runs: the first load inserts every row, the
 * second (the same file) must change nothing.
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:load -- [--rows 1000000] [--customers 100000]
 */
import 'reflect-metadata';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { formatSummary, loadFile, LoadSummary } from '../src/ingest/load-file';
import { createSeededDatabase } from './bench-database';

const BENCH_DATABASE = 'c360_load_bench';
const STATUSES = ['ACTIVE', 'ACTIVE', 'ACTIVE', 'MATURED', 'CLOSED'];
const CURRENCIES = ['CNY', 'CNY', 'CNY', 'CNY', 'USD'];

/** A CSV of `rows` holdings spread over the given customers and products, account numbers no seed uses. */
async function writeHoldings(path: string, rows: number, customerNos: string[], productCodes: string[]) {
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('account_no,customer_no,product_code,balance,currency,opened_on,maturity_date,status\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const opened = `20${String(10 + (i % 15)).padStart(2, '0')}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
    const cents = (i * 7919) % 100_000_000;
    chunk +=
      `B${String(i).padStart(12, '0')},${customerNos[i % customerNos.length]},${productCodes[i % productCodes.length]},` +
      `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')},${CURRENCIES[i % CURRENCIES.length]},${opened},,` +
      `${STATUSES[i % STATUSES.length]}\n`;
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  out.end();
  await once(out, 'finish');
}

function row(label: string, s: LoadSummary): string {
  const p = s.phases;
  return (
    `| ${label} | ${s.rowsRead} | ${s.inserted} | ${s.updated} | ${s.unchanged} | ${s.rejected} | ` +
    `${s.seconds.toFixed(1)} | ${Math.round(s.rowsRead / s.seconds)} | ` +
    `${p.stage.toFixed(1)} / ${p.checks.toFixed(1)} / ${p.upsert.toFixed(1)} / ${p.after.toFixed(1)} |`
  );
}

async function main() {
  const { values } = parseArgs({
    options: { rows: { type: 'string', default: '1000000' }, customers: { type: 'string', default: '100000' } },
    strict: true,
  });
  const rows = Number(values.rows);
  const customers = Number(values.customers);
  const config = loadConfig();
  if (!config.db.url) throw new Error('DATABASE_URL names the PostgreSQL server to create the bench database on');

  const { ds } = await createSeededDatabase(config.db.url, BENCH_DATABASE, {
    customers,
    applicationName: 'customer360-load-bench',
  });
  const file = join(tmpdir(), `c360-load-bench-${process.pid}.csv`);
  try {
    const customerNos = (await ds.query(`SELECT customer_no FROM customer ORDER BY customer_no`)).map(
      (r: { customer_no: string }) => r.customer_no,
    );
    const productCodes = (await ds.query(`SELECT code FROM product ORDER BY code`)).map(
      (r: { code: string }) => r.code,
    );
    const started = Date.now();
    await writeHoldings(file, rows, customerNos, productCodes);
    console.log(`wrote ${rows} holdings to ${file} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const db = { ds, embedded: false };
    const first = await loadFile(db, { kind: 'holdings', file, reportPath: `${file}.rejects.csv` });
    console.log(formatSummary(first));
    const second = await loadFile(db, { kind: 'holdings', file, reportPath: `${file}.rejects.csv` });
    console.log(formatSummary(second));

    const [{ version }] = await ds.query(`SELECT current_setting('server_version') AS version`);
    console.log(`
${cpus().length} cores (${cpus()[0].model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB (${Math.round(freemem() / 2 ** 30)} GiB free), Node ${process.version}, PostgreSQL ${version}; ${customers} seeded customers.

| load | rows read | inserted | updated | unchanged | rejected | seconds | rows/s | s: read+stage / checks / upsert / after |
| ---- | --------- | -------- | ------- | --------- | -------- | ------- | ------ | --------------------------------------- |
${row('first (new holdings)', first)}
${row('again (same file)', second)}`);
  } finally {
    await ds.destroy();
    await rm(file, { force: true });
    await rm(`${file}.rejects.csv`, { force: true });
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

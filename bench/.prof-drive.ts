import autocannon from 'autocannon';
import { Client } from 'pg';
import { Role } from '../src/auth/roles';
import { signToken } from '../src/auth/token-issuer';
import { W1_CUSTOMER_360, W2_SEGMENT_PAGE } from './workloads';
async function main() {
  const [url, dbUrl, which, seconds] = process.argv.slice(2);
  const db = new Client({ connectionString: dbUrl }); await db.connect();
  const [{ rm }] = (await db.query(`SELECT relationship_manager_id AS rm FROM customer WHERE relationship_manager_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`)).rows;
  const ids = (await db.query(`SELECT id FROM customer WHERE relationship_manager_id = $1 ORDER BY md5(id::text) LIMIT 500`, [rm])).rows.map((r) => r.id);
  const [seg] = (await db.query(`SELECT c.tier, t.code AS tag FROM customer c JOIN customer_tag ct ON ct.customer_id = c.id JOIN tag t ON t.id = ct.tag_id WHERE c.tier = 'WEALTH' GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1`)).rows;
  await db.end();
  const SECRET = 'bench-secret-bench-secret-bench-secret-0123';
  const token = which === 'w1' ? await signToken({ sub: rm, roles: [Role.RELATIONSHIP_MANAGER] }, SECRET, { expiresIn: '2h' })
    : await signToken({ sub: 'bench-analyst', roles: [Role.MARKETING_ANALYST] }, SECRET, { expiresIn: '2h' });
  let n = 0;
  const r = await autocannon({ url, connections: 32, duration: Number(seconds), requests: [{ method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    setupRequest: (req: any) => ({ ...req, body: JSON.stringify(which === 'w1' ? { operationName: 'Customer360', query: W1_CUSTOMER_360, variables: { id: ids[n++ % ids.length] } } : { operationName: 'SegmentPage', query: W2_SEGMENT_PAGE, variables: { tier: seg.tier, tag: seg.tag } }) }) }] });
  console.log(which, 'rps', r.requests.average, 'p50', r.latency.p50, 'p99', r.latency.p99, 'non2xx', r.non2xx, 'errors', r.errors);
}
main();

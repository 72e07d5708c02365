/**
 * How long after a write commits its segment refresh lands (issue 18): the
 * gateway queues the refresh in the write's transaction and its
 * SegmentRefresher runs it afterwards. While W3 loads the gateway, a probe
 * records, one at a time, a LOGIN for a customer who is not ACTIVE (as their
 * relationship manager: partners may not record logins) and polls the
 * database until the customer's lifecycle stage is ACTIVE. The delay runs
 * from the write's answer, which comes after its commit, to the first poll
 * that sees the new stage, so it is at most a poll late.
 */
import { Client } from 'pg';
import { Role } from '../src/auth/roles';
import { signToken } from '../src/auth/token-issuer';

export interface RefreshDelay {
  /** Probes whose refresh landed. */
  probes: number;
  p50Ms: number | null;
  maxMs: number | null;
  /** Probes whose refresh had not landed after TIMEOUT_MS. */
  timedOut: number;
}

const RECORD_LOGIN = `mutation ($input: RecordInteractionInput!) { recordInteraction(input: $input) { id } }`;
const POLL_MS = 20;
const TIMEOUT_MS = 30_000;
const PAUSE_BETWEEN_PROBES_MS = 500;

interface Candidate {
  id: string;
  customerNo: string;
  managerId: string;
}

export class RefreshDelayProbe {
  private readonly delays: number[] = [];
  private timedOut = 0;
  private running?: Promise<void>;
  private stopping = false;

  private constructor(
    private readonly db: Client,
    private readonly gatewayUrl: string,
    private readonly secret: string,
    private readonly candidates: Candidate[],
  ) {}

  /** Customers a login moves to ACTIVE. Each probe uses one up: the benchmark's data changes (issue 18 item 1). */
  static async open(databaseUrl: string, gatewayUrl: string, secret: string): Promise<RefreshDelayProbe> {
    const db = new Client({ connectionString: databaseUrl, application_name: 'customer360-bench-probe' });
    await db.connect();
    const { rows } = await db.query<Candidate>(
      `SELECT id, customer_no AS "customerNo", relationship_manager_id AS "managerId" FROM customer
       WHERE lifecycle_stage <> 'ACTIVE' AND relationship_manager_id IS NOT NULL
       ORDER BY md5(id::text) LIMIT 1000`,
    );
    return new RefreshDelayProbe(db, gatewayUrl, secret, rows);
  }

  /** Probes until stop(); the probe in flight finishes first. */
  start(): void {
    this.stopping = false;
    this.running = (async () => {
      while (!this.stopping && this.candidates.length > 0) {
        await this.probe(this.candidates.shift()!);
        await new Promise((resolve) => setTimeout(resolve, PAUSE_BETWEEN_PROBES_MS));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  summary(): RefreshDelay {
    const sorted = [...this.delays].sort((a, b) => a - b);
    return {
      probes: sorted.length,
      p50Ms: sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : null,
      maxMs: sorted.length ? sorted[sorted.length - 1] : null,
      timedOut: this.timedOut,
    };
  }

  async close(): Promise<void> {
    await this.stop();
    await this.db.end();
  }

  private async probe(customer: Candidate): Promise<void> {
    const token = await signToken({ sub: customer.managerId, roles: [Role.RELATIONSHIP_MANAGER] }, this.secret, {
      expiresIn: '5m',
    });
    const input = {
      customerNo: customer.customerNo,
      channel: 'MOBILE_APP',
      type: 'LOGIN',
      occurredAt: new Date().toISOString(),
    };
    const res = await fetch(this.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: RECORD_LOGIN, variables: { input } }),
    });
    const body = (await res.json()) as { errors?: unknown };
    if (body.errors) throw new Error(`refresh-delay probe: ${JSON.stringify(body.errors)}`);
    const committed = Date.now();
    while (Date.now() - committed < TIMEOUT_MS) {
      const { rows } = await this.db.query(`SELECT lifecycle_stage FROM customer WHERE id = $1`, [customer.id]);
      if (rows[0].lifecycle_stage === 'ACTIVE') {
        this.delays.push(Date.now() - committed);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    this.timedOut++;
  }
}

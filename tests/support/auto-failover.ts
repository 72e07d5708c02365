import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { asPostgres, freePort, PG_BIN, query, serverFolder, spawnAsPostgres, waitUntil } from './pg-cluster';

const PG_AUTOCTL = process.env.PG_AUTOCTL ?? '/usr/bin/pg_autoctl';

/**
 * The monitor decides a primary is gone after its health checks fail for
 * node_considered_unhealthy_timeout, then waits primary_demote_timeout before
 * promoting. Production defaults (5 s checks, 20 s, 30 s) make a drill last
 * a minute; these keep it to seconds on one machine, where the network never
 * partitions.
 */
const MONITOR_SETTINGS: Record<string, number> = {
  'pgautofailover.health_check_period': 1000,
  'pgautofailover.health_check_timeout': 1000,
  'pgautofailover.health_check_retry_delay': 500,
  'pgautofailover.health_check_max_retries': 1,
  'pgautofailover.node_considered_unhealthy_timeout': 2000,
  'pgautofailover.primary_demote_timeout': 3000,
  'pgautofailover.startup_grace_period': 2000,
};

export interface FailoverNode {
  name: string;
  port: number;
}

export interface AutoFailoverCluster {
  nodes: FailoverNode[];
  /** libpq's multi-host URL over both nodes. */
  url(database: string, params?: string): string;
  nodeUrl(node: FailoverNode, database: string): string;
  /** The node the monitor reports as the primary (or as the primary without its standby), if any. */
  primary(): Promise<FailoverNode | undefined>;
  /** Stops a node's keeper and its PostgreSQL at once (`pg_autoctl stop --immediate`): the machine is lost. */
  kill(node: FailoverNode): Promise<void>;
  /** Stops everything and removes the folder; safe after a failed start, and twice. */
  stop(): Promise<void>;
}

/**
 * A pg_auto_failover formation on this machine, each part on a free port and
 * run as `postgres`: a monitor, a primary (node1) and its synchronous
 * secondary (node2). pg_autoctl keeps its state under XDG folders, which
 * point into the cluster's own temporary folder.
 */
export async function startAutoFailover(database: string): Promise<AutoFailoverCluster> {
  const dir = await serverFolder('failover');
  const env = {
    PATH: `${PG_BIN}:/usr/bin:/bin`,
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    XDG_DATA_HOME: path.join(dir, 'data'),
    XDG_RUNTIME_DIR: path.join(dir, 'run'),
  };
  const children: ChildProcess[] = [];
  const [monitorPort, port1, port2] = [await freePort(), await freePort(), await freePort()];
  const nodes: FailoverNode[] = [
    { name: 'node1', port: port1 },
    { name: 'node2', port: port2 },
  ];
  const monitorUrl = `postgres://postgres@127.0.0.1:${monitorPort}/pg_auto_failover`;
  const pgdata = (name: string) => path.join(dir, name);
  const runs = (args: string[], log: string) =>
    children.push(spawnAsPostgres(PG_AUTOCTL, args, env, path.join(dir, log)));
  const common = ['--hostname', '127.0.0.1', '--auth', 'trust', '--no-ssl', '--pgctl', path.join(PG_BIN, 'pg_ctl')];
  const states = async () =>
    Object.fromEntries(
      (
        await query<{ nodename: string; reportedstate: string }>(
          monitorUrl,
          'SELECT nodename, reportedstate FROM pgautofailover.node',
        )
      ).map((row) => [row.nodename, row.reportedstate]),
    );

  const cluster: AutoFailoverCluster = {
    nodes,
    url: (db, params) =>
      `postgres://postgres@${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}/${db}${params ? `?${params}` : ''}`,
    nodeUrl: (node, db) => `postgres://postgres@127.0.0.1:${node.port}/${db}`,
    async primary() {
      const [row] = await query<{ nodename: string }>(
        monitorUrl,
        `SELECT nodename FROM pgautofailover.node WHERE reportedstate IN ('primary', 'wait_primary', 'single')
          AND goalstate = reportedstate`,
      );
      return nodes.find((n) => n.name === row?.nodename);
    },
    async kill(node) {
      await asPostgres(PG_AUTOCTL, ['stop', '--immediate', '--pgdata', pgdata(node.name)], env);
      await waitUntil(
        `${node.name} to stop`,
        async () => !fs.existsSync(path.join(pgdata(node.name), 'postmaster.pid')),
      );
    },
    async stop() {
      for (const name of ['node2', 'node1', 'monitor']) {
        if (fs.existsSync(path.join(pgdata(name), 'postmaster.pid')))
          await asPostgres(PG_AUTOCTL, ['stop', '--immediate', '--pgdata', pgdata(name)], env).catch(() => undefined);
      }
      // Whatever did not stop (a keeper that never got going) goes with its process group.
      for (const child of children) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      for (const name of ['node2', 'node1', 'monitor']) {
        if (fs.existsSync(path.join(pgdata(name), 'postmaster.pid')))
          await asPostgres(path.join(PG_BIN, 'pg_ctl'), ['-D', pgdata(name), '-m', 'immediate', 'stop']).catch(
            () => undefined,
          );
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    await asPostgres('mkdir', ['-p', env.XDG_CONFIG_HOME, env.XDG_DATA_HOME, env.XDG_RUNTIME_DIR]);
    // pg_autoctl adopts an existing cluster; its own initdb syncs every file, seconds each on this disk.
    for (const name of ['monitor', 'node1'])
      await asPostgres(path.join(PG_BIN, 'initdb'), [
        '-D',
        pgdata(name),
        '-U',
        'postgres',
        '--auth=trust',
        '--no-sync',
      ]);
    runs(
      ['create', 'monitor', '--pgdata', pgdata('monitor'), '--pgport', String(monitorPort), ...common, '--run'],
      'monitor.log',
    );
    await waitUntil('the monitor', async () => (await states()) !== undefined, 90_000, 250);
    for (const [name, value] of Object.entries(MONITOR_SETTINGS))
      await query(monitorUrl, `ALTER SYSTEM SET ${name} = ${value}`);
    await query(monitorUrl, 'SELECT pg_reload_conf()');

    const createNode = (node: FailoverNode) =>
      runs(
        [
          ...['create', 'postgres', '--pgdata', pgdata(node.name), '--pgport', String(node.port), '--name', node.name],
          ...['--dbname', database, '--monitor', `${monitorUrl}?sslmode=disable`, ...common, '--run'],
        ],
        `${node.name}.log`,
      );
    createNode(nodes[0]);
    await waitUntil('node1 to run alone', async () => (await states()).node1 === 'single', 90_000, 250);
    const node1 = cluster.nodeUrl(nodes[0], 'postgres');
    // Nothing here must survive the machine; and the secondary's base backup waits for a checkpoint that
    // pg_autoctl does not ask to be fast: one made now leaves it nothing to write.
    await query(node1, 'ALTER SYSTEM SET fsync = off');
    await query(node1, 'SELECT pg_reload_conf()');
    await query(node1, 'CHECKPOINT');
    createNode(nodes[1]);
    await waitUntil(
      'node1 primary and node2 its secondary',
      async () => {
        const now = await states();
        return now.node1 === 'primary' && now.node2 === 'secondary';
      },
      120_000,
      250,
    );
    return cluster;
  } catch (error) {
    const logs = ['monitor.log', 'node1.log', 'node2.log']
      .map((log) => path.join(dir, log))
      .filter((log) => fs.existsSync(log))
      .map((log) => `--- ${path.basename(log)}\n${fs.readFileSync(log, 'utf8').slice(-3000)}`)
      .join('\n');
    await cluster.stop();
    throw new Error(`${(error as Error).message}\n${logs}`);
  }
}

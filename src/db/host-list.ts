import { Client, type ClientConfig } from 'pg';

/**
 * Several PostgreSQL servers behind one URL, in libpq's syntax
 * (`postgres://user@host1:5432,host2:5432/db?target_session_attrs=primary`),
 * for a primary with standbys under a failover manager (pg_auto_failover,
 * Patroni): node-postgres takes one host and cannot follow a promotion, so
 * each new pooled connection goes to the server that currently has the
 * wanted role, found with `pg_is_in_recovery()` as libpq does.
 */
export interface HostAddress {
  host: string;
  port: number;
}

/** libpq's `target_session_attrs`, as far as a primary/standby pair needs it. */
export type SessionTarget = 'any' | 'primary' | 'standby' | 'prefer-standby';

const TARGETS: Record<string, SessionTarget> = {
  any: 'any',
  primary: 'primary',
  // A standby refuses writes whatever its settings, and the primary is where the failover manager sends them.
  'read-write': 'primary',
  standby: 'standby',
  'read-only': 'standby',
  'prefer-standby': 'prefer-standby',
};

export interface HostList {
  hosts: HostAddress[];
  /** The URL with the first host only and no `target_session_attrs`: what node-postgres can parse. */
  url: string;
  /** From the URL's `target_session_attrs`, when it names one. */
  target: SessionTarget | undefined;
}

const MULTI_HOST_URL = /^(postgres(?:ql)?:\/\/)([^/?#]*@)?([^/?#@]*)(.*)$/s;
const DEFAULT_PORT = 5432;

/** The hosts of a URL that names several; undefined for a URL with one host, which needs none of this. */
export function parseHostList(url: string): HostList | undefined {
  const match = MULTI_HOST_URL.exec(url);
  if (!match || !match[3].includes(',')) return undefined;
  const [, scheme, credentials = '', authority, rest] = match;
  const hosts = authority.split(',').map(parseHost);
  const query = new URLSearchParams(rest.includes('?') ? rest.slice(rest.indexOf('?') + 1).split('#')[0] : '');
  const named = query.get('target_session_attrs');
  const target = named === null ? undefined : TARGETS[named];
  if (named !== null && !target)
    throw new Error(`target_session_attrs=${named} is not one of ${Object.keys(TARGETS).join(', ')}`);
  query.delete('target_session_attrs');
  const path = rest.split('?')[0];
  const params = query.toString();
  const first = formatHost(hosts[0]);
  return { hosts, url: `${scheme}${credentials}${first}${path}${params ? `?${params}` : ''}`, target };
}

function parseHost(text: string): HostAddress {
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a host[:port] in the database URL`);
  return { host: match[1].replace(/^\[|\]$/g, ''), port: match[2] ? Number(match[2]) : DEFAULT_PORT };
}

const formatHost = ({ host, port }: HostAddress) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

/** No server among the hosts has the wanted role now (a failover in progress): worth a retry. */
export class NoServerForTarget extends Error {
  /** sqlclient_unable_to_establish_sqlconnection, as libpq reports it: a connection exception. */
  readonly code = '08001';
  constructor(target: SessionTarget) {
    super(`no database host is a ${target} server now`);
    this.name = 'NoServerForTarget';
  }
}

type Role = 'primary' | 'standby';

/**
 * Remembers which host has the wanted role, and looks again (every host at
 * once, one search however many connections wait for it) when a connection
 * to it fails, breaks, or finds it in the other role.
 */
export class HostLocator {
  private current: HostAddress | undefined;
  private search: Promise<HostAddress> | undefined;

  constructor(
    private readonly hosts: HostAddress[],
    readonly target: SessionTarget,
    private readonly probe: ClientConfig,
  ) {}

  locate(): Promise<HostAddress> {
    if (this.current) return Promise.resolve(this.current);
    this.search ??= this.find()
      .then((host) => (this.current = host))
      .finally(() => (this.search = undefined));
    return this.search;
  }

  forget(host: HostAddress): void {
    if (this.current === host) this.current = undefined;
  }

  /** Whether a server in this role will do; `any` and `prefer-standby` take either. */
  accepts(role: Role): boolean {
    return this.target === 'primary' ? role === 'primary' : this.target === 'standby' ? role === 'standby' : true;
  }

  private async find(): Promise<HostAddress> {
    const roles = await Promise.all(this.hosts.map((host) => this.roleOf(host)));
    const first = (role: Role) => this.hosts.find((_, i) => roles[i] === role);
    const found =
      this.target === 'prefer-standby'
        ? (first('standby') ?? first('primary'))
        : this.hosts.find((_, i) => roles[i] !== undefined && this.accepts(roles[i]!));
    if (!found) throw new NoServerForTarget(this.target);
    return found;
  }

  private async roleOf(host: HostAddress): Promise<Role | undefined> {
    // node-postgres lets a connection string's host win over a `host` option: set the address afterwards.
    const client = new Client(this.probe);
    client.host = host.host;
    client.port = host.port;
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await roleOn(client);
    } catch {
      return undefined;
    } finally {
      void client.end().catch(() => undefined);
    }
  }
}

async function roleOn(client: Client): Promise<Role> {
  const { rows } = await client.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
  return rows[0].standby ? 'standby' : 'primary';
}

/**
 * node-postgres's Client, connecting to the host the locator names; for a
 * pool's `Client` option. A connection that finds its server in the wrong
 * role (promoted or demoted since the search) is refused, so a write never
 * lands on a standby's connection.
 */
export function clientFollowing(locator: HostLocator): typeof Client {
  return class HostListClient extends Client {
    connect(): Promise<Client>;
    connect(callback: (error: Error | null, client?: Client) => void): void;
    connect(callback?: (error: Error | null, client?: Client) => void): Promise<Client> | void {
      const connected = this.connectToLocated();
      if (!callback) return connected;
      connected.then(
        () => callback(null, this),
        (error: Error) => callback(error),
      );
    }

    private async connectToLocated(): Promise<Client> {
      const located = await locator.locate();
      this.host = located.host;
      this.port = located.port;
      // A connection that breaks later (the server stopped) sends the next one looking.
      this.on('error', () => locator.forget(located));
      try {
        await super.connect();
      } catch (error) {
        locator.forget(located);
        throw error;
      }
      if (locator.target === 'any' || locator.target === 'prefer-standby') return this;
      if (!locator.accepts(await roleOn(this))) {
        locator.forget(located);
        await this.end().catch(() => undefined);
        throw new NoServerForTarget(locator.target);
      }
      return this;
    }
  };
}

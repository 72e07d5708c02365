import { loadConfig } from '../../src/config';
import { parseHostList } from '../../src/db/host-list';

describe('a database URL naming several hosts', () => {
  it('lists the hosts in order, with the default port where none is given, and keeps the rest of the URL', () => {
    expect(parseHostList('postgres://app:s%40cret@db-a:5433,db-b,[::1]:6000/c360?sslmode=require')).toEqual({
      hosts: [
        { host: 'db-a', port: 5433 },
        { host: 'db-b', port: 5432 },
        { host: '::1', port: 6000 },
      ],
      url: 'postgres://app:s%40cret@db-a:5433/c360?sslmode=require',
      target: undefined,
    });
  });

  it('reads target_session_attrs as libpq names it, and leaves it out of the URL node-postgres parses', () => {
    const list = parseHostList('postgresql://a:1,b:2/db?target_session_attrs=read-write&application_name=x');
    expect(list?.target).toBe('primary');
    expect(list?.url).toBe('postgresql://a:1/db?application_name=x');
    expect(parseHostList('postgres://a:1,b:2/db?target_session_attrs=prefer-standby')?.target).toBe('prefer-standby');
    expect(() => parseHostList('postgres://a:1,b:2/db?target_session_attrs=fastest')).toThrow(/fastest/);
  });

  it('is not a host list when it names one host', () => {
    expect(parseHostList('postgres://postgres@127.0.0.1:5432/postgres')).toBeUndefined();
  });

  it('is accepted as DATABASE_URL, and DATABASE_REPLICA_URLS splits between URLs, not inside their host lists', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@a:1,b:2/db',
      DATABASE_REPLICA_URLS: 'postgres://u@a:1,b:2/db?target_session_attrs=prefer-standby, postgres://u@c:3/db',
    });
    expect(config.db.url).toBe('postgres://u@a:1,b:2/db');
    expect(config.db.replicaUrls).toEqual([
      'postgres://u@a:1,b:2/db?target_session_attrs=prefer-standby',
      'postgres://u@c:3/db',
    ]);
  });

  it('is refused as DATABASE_URL when it would send writes to a standby, or is malformed', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@a:1,b:2/db?target_session_attrs=standby' })).toThrow(
      /DATABASE_URL/,
    );
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@a:1,b:x/db' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'postgres://u@a:1,:2/db' })).toThrow(/DATABASE_REPLICA_URLS/);
  });
});

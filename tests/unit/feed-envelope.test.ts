import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { naturalKeyOf, validateRow } from '../../src/ingest/apply';
import { isFeedEvent, parseEnvelope } from '../../src/ingest/feed/envelope';

const valid = {
  eventId: 'evt-1',
  source: 'core-banking',
  key: 'C000001',
  version: 7,
  data: { customer_no: 'C000001', name: '张三' },
};
const parse = (body: unknown, kind = 'customers') =>
  parseEnvelope(kind, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));

describe('change feed envelope', () => {
  it('reads a well-formed event and takes its kind from the subject', () => {
    const event = parse(valid);
    expect(isFeedEvent(event) && event).toMatchObject({ kind: 'customers', key: 'C000001', version: 7n });
  });

  it('orders ISO-8601 versions by their instant, to the microsecond, whatever the offset', () => {
    const at = (version: string) => {
      const event = parse({ ...valid, version });
      if (!isFeedEvent(event)) throw new Error(event.reason);
      return event.version;
    };
    expect(at('2026-11-30T08:00:00.000001+08:00')).toBeGreaterThan(at('2026-11-30T00:00:00Z'));
    expect(at('2026-11-30T08:00:00+08:00')).toBe(at('2026-11-30T00:00:00.000Z'));
    expect(at('2026-11-30T00:00:00.123456Z') - at('2026-11-30T00:00:00.123Z')).toBe(456n);
  });

  it('refuses a time version later than five minutes from now: it would outrank every real change of its entity', () => {
    const now = Date.parse('2026-11-30T00:00:00Z');
    const at = (version: string) => parseEnvelope('customers', JSON.stringify({ ...valid, version }), now);
    expect(at('2999-01-01T00:00:00Z')).toMatchObject({ key: 'C000001', reason: expect.stringMatching(/^version: /) });
    expect(at('2026-11-30T08:06:00+08:00')).toMatchObject({ reason: expect.stringMatching(/^version: /) });
    expect(isFeedEvent(at('2026-11-30T08:04:00+08:00'))).toBe(true);
  });

  it.each([
    ['not JSON', '{"eventId":', 'not JSON'],
    ['a negative version', { ...valid, version: -1 }, 'version'],
    ['a fractional version', { ...valid, version: 1.5 }, 'version'],
    ['a version past 2^53', { ...valid, version: 2 ** 60 }, 'version'],
    ['a time without offset', { ...valid, version: '2026-11-30T00:00:00' }, 'version'],
    ['no key', { ...valid, key: undefined }, 'key'],
    ['a key with a control character', { ...valid, key: 'C1\u0000' }, 'key'],
    ['an event id too long', { ...valid, eventId: 'e'.repeat(201) }, 'eventId'],
    ['data that is not an object', { ...valid, data: [1] }, 'data'],
  ])('refuses %s, naming the field', (_, body, field) => {
    const problem = parse(body);
    expect(isFeedEvent(problem)).toBe(false);
    expect(!isFeedEvent(problem) && problem.reason).toMatch(new RegExp(`^${field}`));
  });

  it('refuses an envelope naming another kind than its subject, without repeating its data', () => {
    const problem = parse({ ...valid, kind: 'holdings' });
    expect(problem).toEqual({
      eventId: 'evt-1',
      source: 'core-banking',
      key: 'C000001',
      reason: expect.stringMatching(/^kind:/),
    });
  });

  it('keeps only well-formed ids of a refused event, never its values, and its key as its data’s key columns give it', () => {
    const problem = parse({
      eventId: 'evt 2',
      source: 'crm',
      key: '张三 13812345678',
      version: -3,
      data: { customer_no: 'C1', name: '张三' },
    });
    expect(problem).toEqual({ source: 'crm', key: 'C1', reason: expect.stringMatching(/^eventId|^version/) });
    expect(JSON.stringify(problem)).not.toMatch(/张三|13812345678/);
  });
});

describe('the README’s change event example', () => {
  it('is an event whose row is valid and whose key matches its data', () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Changes in: the change feed'));
    const example = /```json\n([\s\S]*?)```/.exec(section)![1];
    const event = parseEnvelope('holdings', example);
    if (!isFeedEvent(event)) throw new Error(event.reason);
    expect(validateRow('holdings', event.data)).toMatchObject({ ok: true });
    expect(naturalKeyOf('holdings', event.data)).toBe(event.key);
  });
});

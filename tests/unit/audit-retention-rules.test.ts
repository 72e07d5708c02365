import { loadConfig } from '../../src/config';
import { SignedDigest } from '../../src/modules/audit/audit-digest';
import { monthPartitionNamed, monthsBefore } from '../../src/modules/audit/audit-partitions';
import { digestPastRetention, expiredPartitions, partitionVerdict } from '../../src/modules/audit/audit-retention';

const digest = (sequence: number, headSeq: string, writtenAt: string) =>
  ({ sequence, headSeq, writtenAt }) as SignedDigest;

describe('which audit partitions retention may drop', () => {
  it('counts retention in calendar months, the day clamped to a shorter month', () => {
    expect(monthsBefore(new Date('2026-12-01T22:00:00Z'), 36).toISOString()).toBe('2023-12-01T22:00:00.000Z');
    expect(monthsBefore(new Date('2027-05-31T10:00:00Z'), 3).toISOString()).toBe('2027-02-28T10:00:00.000Z');
    expect(monthsBefore(new Date('2028-03-31T00:00:00Z'), 1).toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it('reads a month from a partition name, and nothing from the default partition or another table', () => {
    expect(monthPartitionNamed('audit_record_p202311')).toEqual({
      name: 'audit_record_p202311',
      from: '2023-11-01T00:00:00.000Z',
      to: '2023-12-01T00:00:00.000Z',
    });
    expect(monthPartitionNamed('audit_record_default')).toBeUndefined();
    expect(monthPartitionNamed('audit_record_p202313')).toBeUndefined();
  });

  it('takes only months that ended by the cutoff, oldest first: a month the cutoff falls in waits', () => {
    const cutoff = new Date('2023-12-01T22:00:00Z');
    const names = ['audit_record_p202312', 'audit_record_default', 'audit_record_p202311', 'audit_record_p202310'];
    expect(expiredPartitions(names, cutoff).map((p) => p.name)).toEqual([
      'audit_record_p202310',
      'audit_record_p202311',
    ]);
    expect(expiredPartitions(['audit_record_p202311'], new Date('2023-11-30T23:59:59Z'))).toEqual([]);
  });

  it('relies on the digest with the highest head among those written by the cutoff', () => {
    const cutoff = new Date('2023-12-05T00:00:00Z');
    const digests = [
      digest(1, '10', '2023-11-20T00:00:00Z'),
      digest(2, '25', '2023-12-04T23:00:00Z'),
      digest(3, '40', '2023-12-05T00:00:01Z'),
    ];
    expect(digestPastRetention(digests, cutoff)?.sequence).toBe(2);
    expect(digestPastRetention(digests.slice(2), cutoff)).toBeUndefined();
  });

  it('drops a month only with every record sealed within that digest', () => {
    const past = digest(2, '25', '2023-12-04T23:00:00Z');
    expect(partitionVerdict({ records: 5, unsealed: 0, maxSeq: '25' }, past)).toBe('DROP');
    expect(partitionVerdict({ records: 5, unsealed: 1, maxSeq: '20' }, past)).toBe('UNSEALED');
    expect(partitionVerdict({ records: 5, unsealed: 0, maxSeq: '26' }, past)).toBe(
      'NOT_YET_IN_A_DIGEST_PAST_RETENTION',
    );
    expect(partitionVerdict({ records: 5, unsealed: 0, maxSeq: '3' }, undefined)).toBe('NO_DIGEST_PAST_RETENTION');
    // An empty month holds nothing to prove.
    expect(partitionVerdict({ records: 0, unsealed: 0, maxSeq: null }, undefined)).toBe('DROP');
  });
});

describe('AUDIT_RETENTION_MONTHS', () => {
  it('is 36 (3 years) unless set longer', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).audit.retentionMonths).toBe(36);
    expect(loadConfig({ NODE_ENV: 'test', AUDIT_RETENTION_MONTHS: '60' }).audit.retentionMonths).toBe(60);
  });

  it('refuses less than 3 years at load, saying why', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', AUDIT_RETENTION_MONTHS: '35' })).toThrow(
      /AUDIT_RETENTION_MONTHS: must be at least 36 \(3 years\): read audits are kept at least 3 years/,
    );
  });
});

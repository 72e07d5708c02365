import { naturalKeyOf, validateRow } from '../../src/ingest/apply';
import { instantOf } from '../../src/ingest/fields';
import { KINDS } from '../../src/ingest/kinds';
import { residentIdNumber } from '../../src/seed/id-number';

const holding = {
  account_no: '6222010000000001',
  customer_no: 'C0000000001',
  product_code: 'FD_BALANCED',
  balance: '1234.50',
  currency: 'CNY',
  opened_on: '2024-01-31',
  maturity_date: '',
  status: 'ACTIVE',
};

const customer = {
  customer_no: 'C0000000001',
  name: '张三丰',
  gender: 'MALE',
  birth_date: '1985-06-15',
  id_type: 'RESIDENT_ID',
  id_number: residentIdNumber('110105', '1985-06-15', 7, 'MALE'),
  phone: '13812345678',
  email: 'zhang@example.com',
  address_province: '北京市',
  address_city: '北京市',
  address_district: '朝阳区',
  address_street: '建国路1号',
  city: '北京市',
  branch_code: 'BJ001',
  kyc_status: 'VERIFIED',
  onboarded_on: '2020-01-01',
};

const reasonOf = (kind: Parameters<typeof validateRow>[0], raw: Record<string, unknown>) => {
  const result = validateRow(kind, raw);
  return result.ok ? undefined : result.reason;
};

describe('money columns (PRODUCT.md §4: 0 to 999,999,999,999.99, at most 2 decimals, as text)', () => {
  it.each(['0', '0.00', '1234.5', '999999999999.99'])('accepts %s', (balance) => {
    expect(validateRow('holdings', { ...holding, balance })).toMatchObject({ ok: true, row: { balance } });
  });

  it.each([
    ['negative', '-0.01'],
    ['too many decimals', '10.123'],
    ['too large', '1000000000000.00'],
    ['not a number', '12,00'],
    ['exponent', '1e5'],
  ])('rejects %s, naming the column and the rule', (_, balance) => {
    expect(reasonOf('holdings', { ...holding, balance })).toBe(
      'balance: must be an amount from 0.00 to 999999999999.99, such as "1234.50"',
    );
  });

  it('refuses a JSON number: money is never a float', () => {
    expect(reasonOf('holdings', { ...holding, balance: 12.5 })).toBe(
      'balance: must be an amount as text, such as "1234.50"',
    );
  });
});

describe('date columns', () => {
  it.each([
    ['2026-02-30', 'must be a real date, YYYY-MM-DD'],
    ['2025-02-29', 'must be a real date, YYYY-MM-DD'],
    ['2024-13-01', 'must be a real date, YYYY-MM-DD'],
    ['2024/01/31', 'must be a real date, YYYY-MM-DD'],
    ['1899-12-31', 'must be a date from 1900-01-01 to 2100-12-31'],
    ['2101-01-01', 'must be a date from 1900-01-01 to 2100-12-31'],
  ])('rejects %s', (opened_on, rule) => {
    expect(reasonOf('holdings', { ...holding, opened_on })).toBe(`opened_on: ${rule}`);
  });

  it('accepts 29 February of a leap year, and the bounds themselves', () => {
    for (const opened_on of ['2024-02-29', '2000-02-29', '1900-01-01', '2100-12-31']) {
      expect(validateRow('holdings', { ...holding, opened_on }).ok).toBe(true);
    }
  });

  it('holds a maturity date to the CHECK: not before the opening', () => {
    expect(reasonOf('holdings', { ...holding, maturity_date: '2024-01-30' })).toBe(
      'maturity_date: must not be before opened_on',
    );
  });
});

describe('times', () => {
  const interaction = {
    source_system: 'MOBILE',
    source_ref: 'L-1',
    customer_no: 'C0000000001',
    channel: 'MOBILE_APP',
    type: 'LOGIN',
    occurred_at: '2026-11-27T10:00:00+08:00',
  };

  it('keeps an instant in UTC to the millisecond, whatever offset it was written with', () => {
    for (const occurred_at of ['2026-11-27T10:00:00+08:00', '2026-11-27 02:00:00Z', '2026-11-27T10:00+0800']) {
      expect(validateRow('interactions', { ...interaction, occurred_at })).toMatchObject({
        ok: true,
        row: { occurred_at: '2026-11-27T02:00:00.000Z' },
      });
    }
  });

  it.each(['2026-11-27T10:00:00', '2026-02-30T10:00:00Z', '2026-11-27T24:00:00Z', 'yesterday'])(
    'rejects %s: no offset, or not a real time',
    (occurred_at) => {
      expect(reasonOf('interactions', { ...interaction, occurred_at })).toBe(
        'occurred_at: must be a time with an offset, such as 2026-11-27T10:00:00+08:00',
      );
    },
  );

  it('refuses an interaction more than five minutes in the future, as the API does', () => {
    const future = new Date(Date.now() + 10 * 60_000).toISOString();
    expect(reasonOf('interactions', { ...interaction, occurred_at: future })).toBe(
      'occurred_at: must be a time from 1900-01-01 to five minutes from now',
    );
    expect(validateRow('interactions', { ...interaction, occurred_at: new Date().toISOString() }).ok).toBe(true);
  });

  it('refuses a consent decision or an assessment dated in the future: the latest one would stand over every real one', () => {
    const future = new Date(Date.now() + 10 * 60_000).toISOString();
    const consent = { customer_no: 'C0000000001', purpose: 'PARTNER_SHARING', granted: 'true' };
    expect(reasonOf('consents', { ...consent, updated_at: future })).toBe(
      'updated_at: must be a time from 1900-01-01 to five minutes from now',
    );
    const assessment = {
      customer_no: 'C0000000001',
      risk_tolerance: 'C3',
      valid_until: '2100-12-31',
      aml_rating: 'LOW',
    };
    expect(reasonOf('risk_assessments', { ...assessment, assessed_at: '2099-01-01T00:00:00Z' })).toBe(
      'assessed_at: must be a time from 1900-01-01 to five minutes from now',
    );
    expect(validateRow('risk_assessments', { ...assessment, assessed_at: new Date().toISOString() }).ok).toBe(true);
  });

  it('parses offsets and fractions exactly', () => {
    expect(instantOf('2026-01-01T00:00:00.5-05:30')).toBe(Date.parse('2026-01-01T05:30:00.500Z'));
    expect(instantOf('2026-01-01T00:00:00.123456Z')).toBe(Date.parse('2026-01-01T00:00:00.123Z'));
  });

  it('refuses text PostgreSQL cannot store (NUL, a lone surrogate), which would otherwise fail the whole load', () => {
    expect(reasonOf('interactions', { ...interaction, summary: 'a\u0000b' })).toBe(
      'summary: must not contain NUL or malformed Unicode',
    );
    expect(reasonOf('interactions', { ...interaction, outcome: 'a\ud800b' })).toBe(
      'outcome: must not contain NUL or malformed Unicode',
    );
    // What a decoder puts where bytes were not of the file's encoding: the text is lost, not stored.
    expect(reasonOf('interactions', { ...interaction, summary: '\ufffd\ufffd' })).toBe(
      'summary: must not contain NUL or malformed Unicode',
    );
    expect(validateRow('interactions', { ...interaction, summary: '登录 😀' }).ok).toBe(true);
  });

  it('refuses campaign contacts and responses, which only the API records', () => {
    expect(reasonOf('interactions', { ...interaction, type: 'CAMPAIGN_CONTACT' })).toMatch(/^type: campaign contacts/);
  });
});

describe('enumerations reuse the API enums', () => {
  it('lists the allowed values, not the value given', () => {
    expect(reasonOf('holdings', { ...holding, status: 'OPEN' })).toBe('status: must be one of ACTIVE, MATURED, CLOSED');
    expect(reasonOf('products', { code: 'P1', name: '产品', type: 'STOCK', risk_level: 'R6' })).toBe(
      'type: must be one of DEPOSIT, TIME_DEPOSIT, FUND, WEALTH_MANAGEMENT, INSURANCE, LOAN, CREDIT_CARD, PRECIOUS_METAL; ' +
        'risk_level: must be one of R1, R2, R3, R4, R5',
    );
  });
});

describe('customers', () => {
  it('accepts a complete row, with text trimmed and empty optional cells absent', () => {
    const result = validateRow('customers', { ...customer, name: ' 张三丰 ', email: '' });
    expect(result).toMatchObject({ ok: true, row: { name: '张三丰' } });
    expect(result.ok && 'email' in result.row).toBe(false);
  });

  it('says which rule failed and never repeats a personal value', () => {
    const bad = {
      ...customer,
      phone: '+8613812345678',
      email: 'not-an-email',
      id_number: '110105198506150000',
      birth_date: '2021-01-01',
    };
    const reason = reasonOf('customers', bad)!;
    expect(reason).toBe(
      'phone: must be an 11-digit mainland mobile number without +86; email: must be an email address; ' +
        'id_number: must be an 18-character resident ID number with a valid check character; ' +
        'birth_date: must not be after onboarded_on',
    );
    for (const value of [bad.phone, bad.email, bad.id_number, bad.name, bad.address_street]) {
      expect(reason).not.toContain(value);
    }
  });

  it('names missing required columns and fields that are no column', () => {
    const { phone: _phone, ...withoutPhone } = customer;
    expect(reasonOf('customers', { ...withoutPhone, nickname: '小张' })).toBe(
      'phone: is required; nickname: not a column of customers',
    );
  });
});

describe('consents and tags', () => {
  it('requires a channel for MARKETING and refuses one for the other purposes', () => {
    expect(reasonOf('consents', { customer_no: 'C1', purpose: 'MARKETING', granted: 'true' })).toBe(
      'channel: is required for MARKETING and not allowed for other purposes',
    );
    expect(
      reasonOf('consents', { customer_no: 'C1', purpose: 'PARTNER_SHARING', channel: 'WECHAT', granted: true }),
    ).toBe('channel: is required for MARKETING and not allowed for other purposes');
    expect(
      validateRow('consents', { customer_no: 'C1', purpose: 'PERSONALISED_MARKETING', granted: 'false' }),
    ).toMatchObject({ ok: true, row: { granted: false } });
  });

  it('refuses RULE tags, confidence outside 0..1, and an expiry before the assignment', () => {
    const tag = {
      customer_no: 'C1',
      tag_code: 'STEADY_INVESTOR',
      source: 'MODEL',
      assigned_at: '2026-11-01T00:00:00Z',
    };
    expect(validateRow('tags', { ...tag, confidence: 0.875 }).ok).toBe(true);
    expect(reasonOf('tags', { ...tag, source: 'RULE' })).toBe(
      'source: RULE tags are derived by segmentation; load MANUAL or MODEL',
    );
    expect(reasonOf('tags', { ...tag, confidence: '1.2' })).toBe(
      'confidence: must be a number from 0 to 1 with at most 3 decimals',
    );
    expect(reasonOf('tags', { ...tag, confidence: '0.1234' })).toBe(
      'confidence: must be a number from 0 to 1 with at most 3 decimals',
    );
    expect(reasonOf('tags', { ...tag, expires_at: '2026-10-01T00:00:00Z' })).toBe(
      'expires_at: must be after assigned_at',
    );
  });
});

describe('token ids of the directory', () => {
  it('keeps staff and branch ids as lower-case UUIDs, as tokens are compared', () => {
    expect(
      validateRow('branches', {
        branch_id: '5B0C8F8E-2F4A-4C0E-9A59-0C7E4D1B2A01',
        code: 'NJ001',
        name: '支行',
        city: '南京市',
      }),
    ).toMatchObject({ ok: true, row: { branch_id: '5b0c8f8e-2f4a-4c0e-9a59-0c7e4d1b2a01' } });
    expect(
      reasonOf('staff', {
        staff_id: 'E90001',
        employee_no: 'E90001',
        name: '王芳',
        branch_code: 'NJ001',
        title: '经理',
      }),
    ).toBe('staff_id: must be a UUID');
  });
});

describe('naturalKeyOf', () => {
  it('joins the key columns only, normalised like the row', () => {
    expect(naturalKeyOf('holdings', holding)).toBe('6222010000000001');
    expect(naturalKeyOf('consents', { customer_no: 'C1', purpose: 'MARKETING', channel: 'WECHAT' })).toBe(
      'C1|MARKETING|WECHAT',
    );
    expect(naturalKeyOf('consents', { customer_no: 'C1', purpose: 'PERSONALISED_MARKETING', channel: null })).toBe(
      'C1|PERSONALISED_MARKETING|',
    );
    expect(naturalKeyOf('risk_assessments', { customer_no: 'C1', assessed_at: '2026-06-01 10:00:00+08:00' })).toBe(
      'C1|2026-06-01T02:00:00.000Z',
    );
  });

  it('is null when a key column is missing or is not a key (a shifted column may hold a name)', () => {
    expect(naturalKeyOf('holdings', { ...holding, account_no: '' })).toBeNull();
    expect(naturalKeyOf('customers', { ...customer, customer_no: '张三丰' })).toBeNull();
  });

  it('has a key made of columns every kind has', () => {
    for (const spec of Object.values(KINDS)) {
      for (const name of spec.naturalKey) expect(spec.columns.map((c) => c.name)).toContain(name);
    }
  });
});

import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The whole data model of PRODUCT.md §1, written by hand so that every
 * constraint and index is deliberate. Enumerations are CHECK constraints on
 * text columns rather than PostgreSQL enum types: adding a value is then a
 * constraint swap inside a transaction instead of `ALTER TYPE ... ADD VALUE`,
 * which cannot run in one. Money is numeric(18,2); times are timestamptz.
 */
export class InitialSchema1764230400000 implements MigrationInterface {
  name = 'InitialSchema1764230400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE branch (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL UNIQUE,
        name text NOT NULL,
        city text NOT NULL
      )`);

    await q.query(`
      CREATE TABLE staff (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        employee_no text NOT NULL UNIQUE,
        name text NOT NULL,
        branch_id uuid NOT NULL REFERENCES branch(id),
        title text NOT NULL
      )`);
    await q.query(`CREATE INDEX staff_branch_idx ON staff (branch_id)`);

    await q.query(`
      CREATE TABLE customer (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_no text NOT NULL UNIQUE,
        name text NOT NULL,
        gender text NOT NULL CHECK (gender IN ('MALE','FEMALE','UNSPECIFIED')),
        birth_date date NOT NULL,
        id_type text NOT NULL CHECK (id_type IN ('RESIDENT_ID','PASSPORT','HK_MACAO_PERMIT','TAIWAN_PERMIT','FOREIGN_PERMANENT_RESIDENT')),
        id_number text NOT NULL,
        phone text NOT NULL CHECK (phone ~ '^1[3-9][0-9]{9}$'),
        email text,
        address_province text NOT NULL,
        address_city text NOT NULL,
        address_district text NOT NULL,
        address_street text NOT NULL,
        city text NOT NULL,
        branch_id uuid NOT NULL REFERENCES branch(id),
        relationship_manager_id uuid REFERENCES staff(id),
        kyc_status text NOT NULL CHECK (kyc_status IN ('VERIFIED','PENDING','EXPIRED')),
        onboarded_on date NOT NULL,
        -- Segment columns are derived (see SegmentationService) and stored so
        -- that filters and pages on them are index scans, not aggregations.
        aum numeric(18,2) NOT NULL DEFAULT 0 CHECK (aum >= 0),
        tier text NOT NULL DEFAULT 'MASS' CHECK (tier IN ('PRIVATE_BANKING','WEALTH','MASS','POTENTIAL')),
        lifecycle_stage text NOT NULL DEFAULT 'POTENTIAL' CHECK (lifecycle_stage IN ('POTENTIAL','ACTIVE','DORMANT')),
        churn_signals text[] NOT NULL DEFAULT '{}'
          CHECK (churn_signals <@ ARRAY['LOGIN_DECLINE','AUM_DROP','COMPLAINTS_RISING']::text[]),
        segmented_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (id_type, id_number)
      )`);
    await q.query(`CREATE INDEX customer_branch_no_idx ON customer (branch_id, customer_no)`);
    await q.query(`CREATE INDEX customer_rm_no_idx ON customer (relationship_manager_id, customer_no)`);
    await q.query(`CREATE INDEX customer_tier_no_idx ON customer (tier, customer_no)`);
    await q.query(`CREATE INDEX customer_lifecycle_no_idx ON customer (lifecycle_stage, customer_no)`);
    await q.query(`CREATE INDEX customer_aum_idx ON customer (aum)`);
    // Prefix search on name: text_pattern_ops makes `LIKE 'x%'` indexable under any collation.
    await q.query(`CREATE INDEX customer_name_prefix_idx ON customer (name text_pattern_ops)`);
    await q.query(`CREATE INDEX customer_no_prefix_idx ON customer (customer_no text_pattern_ops)`);

    await q.query(`
      CREATE TABLE customer_aum_snapshot (
        customer_id uuid NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        month date NOT NULL CHECK (extract(day FROM month) = 1),
        aum numeric(18,2) NOT NULL CHECK (aum >= 0),
        PRIMARY KEY (customer_id, month)
      )`);

    await q.query(`
      CREATE TABLE tag (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL UNIQUE,
        name text NOT NULL,
        category text NOT NULL CHECK (category IN ('BASIC','VALUE','BEHAVIOR','PREFERENCE'))
      )`);

    await q.query(`
      CREATE TABLE customer_tag (
        customer_id uuid NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        tag_id uuid NOT NULL REFERENCES tag(id),
        source text NOT NULL CHECK (source IN ('RULE','MANUAL','MODEL')),
        confidence numeric(4,3) NOT NULL DEFAULT 1 CHECK (confidence BETWEEN 0 AND 1),
        assigned_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        PRIMARY KEY (customer_id, tag_id)
      )`);
    // Tag filters start from the tag and walk to customers.
    await q.query(`CREATE INDEX customer_tag_tag_idx ON customer_tag (tag_id, customer_id)`);

    await q.query(`
      CREATE TABLE product (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL UNIQUE,
        name text NOT NULL,
        type text NOT NULL CHECK (type IN ('DEPOSIT','TIME_DEPOSIT','FUND','WEALTH_MANAGEMENT','INSURANCE','LOAN','CREDIT_CARD','PRECIOUS_METAL')),
        risk_level text NOT NULL CHECK (risk_level IN ('R1','R2','R3','R4','R5'))
      )`);

    await q.query(`
      CREATE TABLE fx_rate (
        currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        rate_date date NOT NULL,
        cny_per_unit numeric(18,6) NOT NULL CHECK (cny_per_unit > 0),
        PRIMARY KEY (currency, rate_date)
      )`);

    await q.query(`
      CREATE TABLE holding (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        product_id uuid NOT NULL REFERENCES product(id),
        account_no text NOT NULL UNIQUE,
        balance numeric(18,2) NOT NULL CHECK (balance >= 0),
        currency char(3) NOT NULL DEFAULT 'CNY' CHECK (currency ~ '^[A-Z]{3}$'),
        opened_on date NOT NULL,
        maturity_date date,
        status text NOT NULL CHECK (status IN ('ACTIVE','MATURED','CLOSED')),
        CHECK (maturity_date IS NULL OR maturity_date >= opened_on)
      )`);
    // A customer's holdings page: newest first, id as the tie-breaker of the cursor.
    await q.query(`CREATE INDEX holding_customer_page_idx ON holding (customer_id, opened_on DESC, id DESC)`);
    await q.query(`CREATE INDEX holding_product_idx ON holding (product_id)`);

    await q.query(`
      CREATE TABLE interaction (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        channel text NOT NULL CHECK (channel IN ('MOBILE_APP','WECHAT','BRANCH','CALL_CENTER','WEB','PARTNER')),
        type text NOT NULL CHECK (type IN ('LOGIN','PRODUCT_VIEW','INQUIRY','COMPLAINT','TRANSACTION','VISIT','CAMPAIGN_CONTACT','CAMPAIGN_RESPONSE')),
        -- Millisecond precision, like a JS Date, so a cursor holds the exact key.
        occurred_at timestamptz(3) NOT NULL,
        summary text,
        staff_id uuid REFERENCES staff(id),
        partner_id text,
        campaign_id uuid,
        outcome text,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX interaction_customer_page_idx ON interaction (customer_id, occurred_at DESC, id DESC)`);
    // Churn signals count logins and complaints per customer over day windows.
    await q.query(`CREATE INDEX interaction_customer_type_idx ON interaction (customer_id, type, occurred_at)`);

    await q.query(`
      CREATE TABLE campaign (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL UNIQUE,
        name text NOT NULL,
        objective text,
        status text NOT NULL DEFAULT 'DRAFT'
          CHECK (status IN ('DRAFT','PENDING_APPROVAL','APPROVED','REJECTED','ACTIVE','COMPLETED','CANCELLED')),
        target_tiers text[] NOT NULL DEFAULT '{}',
        target_lifecycle_stages text[] NOT NULL DEFAULT '{}',
        target_tag_codes text[] NOT NULL DEFAULT '{}',
        target_aum_min numeric(18,2) CHECK (target_aum_min >= 0),
        target_aum_max numeric(18,2) CHECK (target_aum_max >= 0),
        channels text[] NOT NULL
          CHECK (cardinality(channels) > 0
             AND channels <@ ARRAY['MOBILE_APP','WECHAT','BRANCH','CALL_CENTER','WEB','PARTNER']::text[]),
        product_id uuid REFERENCES product(id),
        budget numeric(18,2) NOT NULL DEFAULT 0 CHECK (budget >= 0),
        cost numeric(18,2) NOT NULL DEFAULT 0 CHECK (cost >= 0),
        starts_on date,
        ends_on date,
        created_by uuid NOT NULL,
        approved_by uuid,
        rejection_reason text,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on),
        CHECK (target_aum_max IS NULL OR target_aum_min IS NULL OR target_aum_max >= target_aum_min),
        CHECK (approved_by IS NULL OR approved_by <> created_by)
      )`);
    await q.query(`CREATE INDEX campaign_status_idx ON campaign (status, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX campaign_created_idx ON campaign (created_at DESC, id DESC)`);
    await q.query(`
      ALTER TABLE interaction ADD CONSTRAINT interaction_campaign_fk FOREIGN KEY (campaign_id) REFERENCES campaign(id)`);

    await q.query(`
      CREATE TABLE campaign_enrollment (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        campaign_id uuid NOT NULL REFERENCES campaign(id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'TARGETED'
          CHECK (status IN ('TARGETED','CONTACTED','RESPONDED','CONVERTED','OPTED_OUT')),
        channel text NOT NULL CHECK (channel IN ('MOBILE_APP','WECHAT','BRANCH','CALL_CENTER','WEB','PARTNER')),
        revenue numeric(18,2) NOT NULL DEFAULT 0 CHECK (revenue >= 0),
        enrolled_at timestamptz NOT NULL DEFAULT now(),
        contacted_at timestamptz,
        responded_at timestamptz,
        converted_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (campaign_id, customer_id)
      )`);
    await q.query(
      `CREATE INDEX campaign_enrollment_customer_idx ON campaign_enrollment (customer_id, enrolled_at DESC)`,
    );

    await q.query(`
      CREATE TABLE risk_assessment (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        risk_tolerance text NOT NULL CHECK (risk_tolerance IN ('C1','C2','C3','C4','C5')),
        assessed_at timestamptz NOT NULL,
        valid_until date NOT NULL,
        credit_grade text CHECK (credit_grade IN ('AAA','AA','A','BBB','BB','B','C')),
        aml_rating text NOT NULL CHECK (aml_rating IN ('LOW','MEDIUM','HIGH')),
        CHECK (valid_until >= assessed_at::date)
      )`);
    // The current profile is the latest assessment of a customer.
    await q.query(
      `CREATE INDEX risk_assessment_latest_idx ON risk_assessment (customer_id, assessed_at DESC, id DESC)`,
    );

    await q.query(`
      CREATE TABLE consent (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id uuid NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
        purpose text NOT NULL CHECK (purpose IN ('MARKETING','PARTNER_SHARING','PERSONALISED_MARKETING')),
        channel text CHECK (channel IN ('MOBILE_APP','WECHAT','BRANCH','CALL_CENTER','WEB','PARTNER')),
        granted boolean NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        -- Marketing consent is per channel; the other purposes have none.
        CHECK ((purpose = 'MARKETING') = (channel IS NOT NULL))
      )`);
    await q.query(
      `CREATE UNIQUE INDEX consent_customer_purpose_channel_key ON consent (customer_id, purpose, coalesce(channel, ''))`,
    );

    await q.query(`
      CREATE TABLE lead (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        phone text NOT NULL CHECK (phone ~ '^1[3-9][0-9]{9}$'),
        product_interest text,
        source_channel text NOT NULL CHECK (source_channel IN ('MOBILE_APP','WECHAT','BRANCH','CALL_CENTER','WEB','PARTNER')),
        customer_id uuid REFERENCES customer(id),
        registered_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE audit_record (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        occurred_at timestamptz(3) NOT NULL DEFAULT now(),
        actor_id text NOT NULL,
        actor_roles text[] NOT NULL,
        customer_id uuid,
        fields text[] NOT NULL DEFAULT '{}',
        operation text NOT NULL,
        operation_name text,
        request_id text NOT NULL,
        detail jsonb
      )`);
    await q.query(`CREATE INDEX audit_record_time_idx ON audit_record (occurred_at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_record_customer_idx ON audit_record (customer_id, occurred_at DESC)`);
    await q.query(`CREATE INDEX audit_record_actor_idx ON audit_record (actor_id, occurred_at DESC)`);
    await q.query(`CREATE INDEX audit_record_fields_idx ON audit_record USING gin (fields)`);

    await q.query(`
      CREATE TABLE idempotency_record (
        principal_id text NOT NULL,
        key text NOT NULL,
        operation text NOT NULL,
        request_hash text NOT NULL,
        response jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (principal_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_record_expiry_idx ON idempotency_record (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'idempotency_record',
      'audit_record',
      'lead',
      'consent',
      'risk_assessment',
      'campaign_enrollment',
      'interaction',
      'campaign',
      'holding',
      'fx_rate',
      'product',
      'customer_tag',
      'tag',
      'customer_aum_snapshot',
      'customer',
      'staff',
      'branch',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table} CASCADE`);
    }
  }
}

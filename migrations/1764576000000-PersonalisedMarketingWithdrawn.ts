import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Purpose-bound reads (PRODUCT.md §2): a marketing role's row scope leaves
 * out customers who explicitly withdrew personalised marketing. The fact is
 * kept on the customer row, so that the scope is one column test in every
 * customer read (W2 pages are marketing reads) and the per-customer access
 * plan can be decided from the row alone. Statement-level triggers on
 * consent keep it true whatever writes consent (the API, the seed, a bulk
 * load): one UPDATE per statement, not per row.
 */
export class PersonalisedMarketingWithdrawn1764576000000 implements MigrationInterface {
  name = 'PersonalisedMarketingWithdrawn1764576000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customer ADD COLUMN personalised_marketing_withdrawn boolean NOT NULL DEFAULT false`);
    await q.query(`
      UPDATE customer c SET personalised_marketing_withdrawn = true
      WHERE EXISTS (SELECT 1 FROM consent k WHERE k.customer_id = c.id
                    AND k.purpose = 'PERSONALISED_MARKETING' AND NOT k.granted)`);
    await q.query(`
      CREATE FUNCTION consent_sync_personalised_withdrawal() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE customer c SET personalised_marketing_withdrawn = EXISTS (
          SELECT 1 FROM consent k WHERE k.customer_id = c.id AND k.purpose = 'PERSONALISED_MARKETING' AND NOT k.granted)
        WHERE c.id IN (SELECT customer_id FROM changed WHERE purpose = 'PERSONALISED_MARKETING');
        RETURN NULL;
      END $$`);
    // A trigger with transition tables takes one event; each names its rows `changed`.
    for (const [event, table] of [
      ['INSERT', 'NEW'],
      ['UPDATE', 'NEW'],
      ['DELETE', 'OLD'],
    ]) {
      await q.query(`
        CREATE TRIGGER consent_personalised_withdrawal_${event.toLowerCase()} AFTER ${event} ON consent
        REFERENCING ${table} TABLE AS changed FOR EACH STATEMENT
        EXECUTE FUNCTION consent_sync_personalised_withdrawal()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const event of ['insert', 'update', 'delete']) {
      await q.query(`DROP TRIGGER consent_personalised_withdrawal_${event} ON consent`);
    }
    await q.query(`DROP FUNCTION consent_sync_personalised_withdrawal()`);
    await q.query(`ALTER TABLE customer DROP COLUMN personalised_marketing_withdrawn`);
  }
}

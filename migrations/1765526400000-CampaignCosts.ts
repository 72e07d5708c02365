import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Campaign costs as they are spent (issue 19, item 5): one row per
 * recordCampaignCost, on one of the campaign's channels, so that metrics can
 * give cost and cost per conversion per channel. campaign.cost stays: it is
 * cost carried over from before costs were recorded per channel (the demo
 * data and imports write it), counted in the overall cost and in no channel.
 */
export class CampaignCosts1765526400000 implements MigrationInterface {
  name = 'CampaignCosts1765526400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE campaign_cost (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        campaign_id uuid NOT NULL REFERENCES campaign(id) ON DELETE CASCADE,
        -- One of the campaign's channels when recorded (the service checks it against campaign.channels).
        channel text NOT NULL,
        amount numeric(14,2) NOT NULL CHECK (amount > 0),
        note text CHECK (char_length(note) <= 1000),
        recorded_by uuid NOT NULL REFERENCES staff(id),
        recorded_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // Metrics sum a batch of campaigns' costs by channel.
    await q.query(`CREATE INDEX campaign_cost_campaign_idx ON campaign_cost (campaign_id, channel)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE campaign_cost`);
  }
}

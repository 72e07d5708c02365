import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Channel } from '../interaction/interaction.enums';
import { ConsentPurpose } from './consent.enums';

/** PIPL consent. No record means not granted. */
@Entity('consent')
export class ConsentEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'customer_id' })
  customerId: string;

  @Column('text')
  purpose: ConsentPurpose;

  /** Set for MARKETING only. */
  @Column('text', { nullable: true })
  channel: Channel | null;

  @Column('boolean')
  granted: boolean;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

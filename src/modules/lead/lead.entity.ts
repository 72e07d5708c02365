import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Channel } from '../interaction/interaction.enums';

/** A prospect registered by staff or a partner, optionally linked to an existing customer. */
@Entity('lead')
export class LeadEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  @Column('text')
  phone: string;

  @Column('text', { name: 'product_interest', nullable: true })
  productInterest: string | null;

  @Column('text', { name: 'source_channel' })
  sourceChannel: Channel;

  @Column('uuid', { name: 'customer_id', nullable: true })
  customerId: string | null;

  @Column('text', { name: 'registered_by' })
  registeredBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

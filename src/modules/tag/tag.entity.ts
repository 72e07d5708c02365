import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation } from 'typeorm';
import { TagCategory, TagSource } from './tag.enums';

@Entity('tag')
export class TagEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { unique: true })
  code: string;

  @Column('text')
  name: string;

  @Column('text')
  category: TagCategory;
}

@Entity('customer_tag')
export class CustomerTagEntity {
  @Column('uuid', { name: 'customer_id', primary: true })
  customerId: string;

  @Column('uuid', { name: 'tag_id', primary: true })
  tagId: string;

  @ManyToOne(() => TagEntity)
  @JoinColumn({ name: 'tag_id' })
  tag?: Relation<TagEntity>;

  @Column('text')
  source: TagSource;

  @Column('numeric', { precision: 4, scale: 3 })
  confidence: string;

  @Column('timestamptz', { name: 'assigned_at' })
  assignedAt: Date;

  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt: Date | null;
}

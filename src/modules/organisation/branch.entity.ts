import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('branch')
export class BranchEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { unique: true })
  code: string;

  @Column('text')
  name: string;

  @Column('text')
  city: string;
}

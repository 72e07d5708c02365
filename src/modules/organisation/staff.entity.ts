import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation } from 'typeorm';
import { BranchEntity } from './branch.entity';

/** A bank employee; relationship managers are staff with customers in their book. */
@Entity('staff')
export class StaffEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'employee_no', unique: true })
  employeeNo: string;

  @Column('text')
  name: string;

  @Column('uuid', { name: 'branch_id' })
  branchId: string;

  @ManyToOne(() => BranchEntity)
  @JoinColumn({ name: 'branch_id' })
  branch?: Relation<BranchEntity>;

  @Column('text')
  title: string;
}

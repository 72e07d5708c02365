import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { AmlRating, CreditGrade, RiskTolerance } from './risk.enums';

/** One assessment; a customer's risk profile is their latest. History is kept. */
@Entity('risk_assessment')
export class RiskAssessmentEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'customer_id' })
  customerId: string;

  @Column('text', { name: 'risk_tolerance' })
  riskTolerance: RiskTolerance;

  @Column('timestamptz', { name: 'assessed_at' })
  assessedAt: Date;

  @Column('date', { name: 'valid_until' })
  validUntil: string;

  @Column('text', { name: 'credit_grade', nullable: true })
  creditGrade: CreditGrade | null;

  @Column('text', { name: 'aml_rating' })
  amlRating: AmlRating;
}

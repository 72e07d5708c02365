import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { ChurnSignal, Gender, IdType, KycStatus, LifecycleStage, Tier } from './customer.enums';

@Entity('customer')
export class CustomerEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { name: 'customer_no', unique: true })
  customerNo: string;

  @Column('text')
  name: string;

  @Column('text')
  gender: Gender;

  @Column('date', { name: 'birth_date' })
  birthDate: string;

  @Column('text', { name: 'id_type' })
  idType: IdType;

  /** Stored encrypted (privacy/encryption), as are phone, email and addressStreet: loaders decrypt. */
  @Column('text', { name: 'id_number' })
  idNumber: string;

  /** Keyed blind index of the ID number: unique with idType, and what lookups compare. */
  @Column('text', { name: 'id_number_bidx', nullable: true })
  idNumberBidx: string | null;

  /** Keyed fingerprint of the encrypted columns: a bulk load compares it, not random ciphertexts. */
  @Column('text', { name: 'pii_digest', nullable: true })
  piiDigest: string | null;

  @Column('text')
  phone: string;

  @Column('text', { nullable: true })
  email: string | null;

  @Column('text', { name: 'address_province' })
  addressProvince: string;

  @Column('text', { name: 'address_city' })
  addressCity: string;

  @Column('text', { name: 'address_district' })
  addressDistrict: string;

  @Column('text', { name: 'address_street' })
  addressStreet: string;

  @Column('text')
  city: string;

  @Column('uuid', { name: 'branch_id' })
  branchId: string;

  @Column('uuid', { name: 'relationship_manager_id', nullable: true })
  relationshipManagerId: string | null;

  @Column('text', { name: 'kyc_status' })
  kycStatus: KycStatus;

  /** An explicit withdrawal of PERSONALISED_MARKETING: kept by triggers on consent (see its migration). */
  @Column({ type: 'boolean', name: 'personalised_marketing_withdrawn', insert: false, update: false })
  personalisedMarketingWithdrawn: boolean;

  @Column('date', { name: 'onboarded_on' })
  onboardedOn: string;

  @Column('numeric', { precision: 18, scale: 2 })
  aum: string;

  @Column('text')
  tier: Tier;

  @Column('text', { name: 'lifecycle_stage' })
  lifecycleStage: LifecycleStage;

  @Column('text', { name: 'churn_signals', array: true })
  churnSignals: ChurnSignal[];

  @Column('timestamptz', { name: 'segmented_at', nullable: true })
  segmentedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

@Entity('customer_aum_snapshot')
export class CustomerAumSnapshotEntity {
  @Column('uuid', { name: 'customer_id', primary: true })
  customerId: string;

  /** First day of the month the snapshot closes. */
  @Column('date', { primary: true })
  month: string;

  @Column('numeric', { precision: 18, scale: 2 })
  aum: string;
}

import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { HoldingStatus, ProductType, RiskLevel } from './holding.enums';

@Entity('product')
export class ProductEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { unique: true })
  code: string;

  @Column('text')
  name: string;

  @Column('text')
  type: ProductType;

  @Column('text', { name: 'risk_level' })
  riskLevel: RiskLevel;
}

@Entity('holding')
export class HoldingEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'customer_id' })
  customerId: string;

  @Column('uuid', { name: 'product_id' })
  productId: string;

  /** Stored encrypted (privacy/encryption): loaders decrypt. */
  @Column('text', { name: 'account_no' })
  accountNo: string;

  /** Keyed blind index of the account number: unique, the natural key loads and daily balances find it by. */
  @Column('text', { name: 'account_no_bidx', nullable: true, unique: true })
  accountNoBidx: string | null;

  @Column('numeric', { precision: 18, scale: 2 })
  balance: string;

  @Column('char', { length: 3 })
  currency: string;

  @Column('date', { name: 'opened_on' })
  openedOn: string;

  @Column('date', { name: 'maturity_date', nullable: true })
  maturityDate: string | null;

  @Column('text')
  status: HoldingStatus;
}

/** CNY per unit of a foreign currency on a day; AUM converts at the latest rate. */
@Entity('fx_rate')
export class FxRateEntity {
  @Column('char', { length: 3, primary: true })
  currency: string;

  @Column('date', { name: 'rate_date', primary: true })
  rateDate: string;

  @Column('numeric', { name: 'cny_per_unit', precision: 18, scale: 6 })
  cnyPerUnit: string;
}

import { ageOn } from '../../common/business-date';
import type { SegmentationThresholds } from '../../config';
import { CustomerEntity } from './customer.entity';
import { Customer } from './customer.type';
import { ageBandFor, aumBandFor } from './segmentation.rules';

export function formatAddress(
  row: Pick<CustomerEntity, 'addressProvince' | 'addressCity' | 'addressDistrict' | 'addressStreet'>,
): string {
  return `${row.addressProvince}${row.addressCity}${row.addressDistrict}${row.addressStreet}`;
}

/**
 * The columns toCustomer reads, and all a customer read selects: the rest
 * (blind index, digest, audit timestamps) never reach the API, and a page of
 * 50 paid to carry and parse them.
 */
export const CUSTOMER_VIEW_PROPERTIES = [
  'id',
  'customerNo',
  'name',
  'gender',
  'birthDate',
  'idNumber',
  'phone',
  'email',
  'addressProvince',
  'addressCity',
  'addressDistrict',
  'addressStreet',
  'city',
  'tier',
  'lifecycleStage',
  'aum',
  'kycStatus',
  'churnSignals',
  'branchId',
  'relationshipManagerId',
  'personalisedMarketingWithdrawn',
] as const satisfies readonly (keyof CustomerEntity)[];

export type CustomerViewRow = Pick<CustomerEntity, (typeof CUSTOMER_VIEW_PROPERTIES)[number]>;

/** The full-value view of a customer row; privacy is applied to this object, never to the row. */
export function toCustomer(
  row: CustomerViewRow,
  today: string,
  t: SegmentationThresholds,
): Omit<Customer, 'branch' | 'relationshipManager'> {
  const ageYears = ageOn(row.birthDate, today);
  return {
    id: row.id,
    customerNo: row.customerNo,
    name: row.name,
    gender: row.gender,
    birthDate: row.birthDate,
    ageBand: ageBandFor(ageYears),
    ageYears,
    idNumber: row.idNumber,
    phone: row.phone,
    email: row.email,
    // Null when the street was not decrypted (openCustomerRows: a page that does not select the address).
    address: row.addressStreet === null ? null : formatAddress(row),
    city: row.city,
    tier: row.tier,
    lifecycleStage: row.lifecycleStage,
    aum: row.aum,
    aumBand: aumBandFor(row.aum, t),
    kycStatus: row.kycStatus,
    churnSignals: row.churnSignals,
    branchId: row.branchId,
    relationshipManagerId: row.relationshipManagerId,
    personalisedMarketingWithdrawn: row.personalisedMarketingWithdrawn,
    addressParts: { province: row.addressProvince, city: row.addressCity, district: row.addressDistrict },
  };
}

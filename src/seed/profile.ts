import { ALL_DISTRICTS, CITIES, cityByName, emailAddress, mobilePhone, personName, streetAddress } from './chinese';
import { addYears, isoDate } from './dates';
import { residentIdNumber } from './id-number';
import { Rng, WeightedTable } from './random';
import { BranchInfo, ReferenceData } from './reference-data';
import { CustomerRow, Gender, IdType } from './rows';

/**
 * Who a generated customer is: identity, age, wealth and how active they
 * are. The other generators read the profile, so holdings, tags, risk
 * ratings and campaigns stay consistent with one another (a mortgage tag
 * only with a mortgage, a fund only within the customer's risk tolerance).
 */

export type Segment = 'PRIVATE_BANKING' | 'WEALTH' | 'MASS' | 'POTENTIAL';
export type Activity = 'ACTIVE' | 'OCCASIONAL' | 'DORMANT' | 'NEW';

export interface CustomerProfile {
  index: number;
  rng: Rng;
  row: CustomerRow;
  branch: BranchInfo;
  branchNumber: number;
  age: number;
  birthDay: number;
  onboardDay: number;
  /** Where the customer's ID was issued lies outside the city they live in. */
  migrant: boolean;
  /** The tier segmentation should find: AUM targets are drawn per segment. */
  segment: Segment;
  aumCents: number;
  /** Risk tolerance 1..5 of the latest assessment. */
  riskTolerance: number;
  activity: Activity;
  /** A few customers lost over 30% of their AUM in the last months. */
  aumDrop: boolean;
}

/** Segment thresholds of PRODUCT.md §1 (the configuration defaults). */
const PRIVATE_BANKING_MIN = 6_000_000;
const WEALTH_MIN = 500_000;
const POTENTIAL_MAX = 50_000;
const POTENTIAL_MAX_AGE = 35;

const ID_TYPES = new WeightedTable<IdType>([
  ['RESIDENT_ID', 960],
  ['PASSPORT', 15],
  ['HK_MACAO_PERMIT', 12],
  ['TAIWAN_PERMIT', 8],
  ['FOREIGN_PERMANENT_RESIDENT', 5],
]);
const AGE_BANDS = new WeightedTable<readonly [number, number]>([
  [[18, 24], 10],
  [[25, 34], 24],
  [[35, 44], 22],
  [[45, 54], 19],
  [[55, 64], 14],
  [[65, 85], 11],
]);
const RISK_TOLERANCE = new WeightedTable<number>([
  [1, 12],
  [2, 30],
  [3, 33],
  [4, 18],
  [5, 7],
]);
const ACTIVITY = new WeightedTable<Activity>([
  ['ACTIVE', 57],
  ['OCCASIONAL', 21],
  ['DORMANT', 22],
]);
const FOREIGN_COUNTRIES = ['USA', 'CAN', 'GBR', 'AUS', 'SGP', 'JPN', 'KOR', 'DEU', 'FRA', 'MYS'];

/**
 * Resident ID numbers must be unique without a lookup across chunks. Each
 * customer index maps, through a fixed permutation of 0..999,999, to a
 * distinct pair (birth day mod 2000, sequence 0..499); the birth date is
 * then nudged by at most ±1000 days onto that residue. Two customers thus
 * never share birth date and sequence, whatever their region code, so the
 * numbers are unique for up to MAX_CUSTOMERS customers.
 */
export const MAX_CUSTOMERS = 1_000_000;
const BIRTH_DAY_CYCLE = 2000;
const PERMUTATION_FACTOR = 738_781; // coprime to 10^6

function identitySlot(index: number): { residue: number; sequence: number } {
  const slot = (index * PERMUTATION_FACTOR + 123_457) % MAX_CUSTOMERS;
  return { residue: slot % BIRTH_DAY_CYCLE, sequence: Math.floor(slot / BIRTH_DAY_CYCLE) };
}

export function generateProfile(
  ref: ReferenceData,
  branchTable: WeightedTable<number>,
  index: number,
  rng: Rng,
): CustomerProfile {
  const id = rng.uuid();
  const branchNumber = branchTable.pick(rng);
  const branch = ref.branches[branchNumber];
  const idType = ID_TYPES.pick(rng);
  const gender: Gender =
    idType !== 'RESIDENT_ID' && rng.chance(0.15) ? 'UNSPECIFIED' : rng.chance(0.5) ? 'MALE' : 'FEMALE';

  const [minAge, maxAge] = AGE_BANDS.pick(rng);
  const rawBirthDay = ref.referenceDay - Math.floor(rng.int(minAge, maxAge) * 365.25) - rng.int(0, 364);
  const slot = identitySlot(index);
  const birthDay = distinctBirthDay(rawBirthDay, slot.residue, ref.referenceDay);
  const age = ageOn(birthDay, ref.referenceDay);

  const city = rng.chance(0.88) ? cityByName(branch.cityName) : rng.pick(CITIES);
  const district = rng.pick(city.districts);
  const migrant = rng.chance(0.25);
  const idRegion = migrant ? rng.pick(ALL_DISTRICTS).code : district.code;

  let activity: Activity = rng.chance(0.05) ? 'NEW' : ACTIVITY.pick(rng);
  const adultDay = addYears(birthDay, 18);
  const longestTenure = Math.min(ref.referenceDay - adultDay, 15 * 365);
  if (longestTenure <= 91) activity = 'NEW';
  const onboardDay =
    activity === 'NEW'
      ? ref.referenceDay - rng.int(1, Math.max(1, Math.min(89, longestTenure)))
      : ref.referenceDay - 91 - Math.floor((longestTenure - 91) * Math.pow(rng.next(), 1.4));

  const { segment, aumCents } = drawWealth(rng, age);
  let riskTolerance = RISK_TOLERANCE.pick(rng);
  if (age >= 65) riskTolerance = Math.min(riskTolerance, rng.int(1, 3));
  if ((segment === 'PRIVATE_BANKING' || segment === 'WEALTH') && rng.chance(0.3))
    riskTolerance = Math.min(5, riskTolerance + 1);

  const wealthy = segment === 'PRIVATE_BANKING' || segment === 'WEALTH';
  const relationshipManagerId = wealthy || rng.chance(0.65) ? rng.pick(branch.relationshipManagerIds) : null;
  const kyc =
    activity === 'NEW'
      ? rng.chance(0.25)
        ? 'PENDING'
        : 'VERIFIED'
      : rng.chance(0.04)
        ? 'EXPIRED'
        : rng.chance(0.01)
          ? 'PENDING'
          : 'VERIFIED';

  const row: CustomerRow = {
    id,
    customer_no: `C${String(index + 1).padStart(10, '0')}`,
    name: personName(rng, gender),
    gender,
    birth_date: isoDate(birthDay),
    id_type: idType,
    id_number: documentNumber(idType, idRegion, birthDay, index, slot.sequence, gender, rng),
    phone: mobilePhone(rng),
    email: rng.chance(0.65) ? emailAddress(rng) : null,
    address_province: city.province,
    address_city: city.name,
    address_district: district.name,
    address_street: streetAddress(rng, district),
    city: city.name,
    branch_id: branch.row.id,
    relationship_manager_id: relationshipManagerId,
    kyc_status: kyc,
    onboarded_on: isoDate(onboardDay),
  };
  return {
    index,
    rng,
    row,
    branch,
    branchNumber,
    age,
    birthDay,
    onboardDay,
    migrant,
    segment,
    aumCents,
    riskTolerance,
    activity,
    aumDrop: aumCents >= 1_000_000 && rng.chance(0.03),
  };
}

function distinctBirthDay(raw: number, target: number, referenceDay: number): number {
  const half = BIRTH_DAY_CYCLE / 2;
  const shift = ((((raw - target + half) % BIRTH_DAY_CYCLE) + BIRTH_DAY_CYCLE) % BIRTH_DAY_CYCLE) - half;
  let day = raw - shift;
  // Keep every customer an adult since at least the day before the reference date.
  while (addYears(day, 18) >= referenceDay) day -= BIRTH_DAY_CYCLE;
  return day;
}

function ageOn(birthDay: number, onDay: number): number {
  const [by, bm, bd] = isoDate(birthDay).split('-').map(Number);
  const [y, m, d] = isoDate(onDay).split('-').map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** A bijection on 0..modulus-1 (multiplier coprime to it), so numbers look random but never repeat. */
function scramble(index: number, multiplier: number, offset: number, modulus: number): number {
  return (index * multiplier + offset) % modulus;
}

function documentNumber(
  idType: IdType,
  region: string,
  birthDay: number,
  index: number,
  slotSequence: number,
  gender: Gender,
  rng: Rng,
): string {
  switch (idType) {
    case 'RESIDENT_ID': {
      const sequence = slotSequence * 2 + (gender === 'MALE' ? 1 : 0);
      return residentIdNumber(region, isoDate(birthDay), sequence, gender === 'MALE' ? 'MALE' : 'FEMALE');
    }
    case 'PASSPORT':
      return `E${String(scramble(index, 48_271, 13_579_113, 100_000_000)).padStart(8, '0')}`;
    case 'HK_MACAO_PERMIT':
      return `${rng.chance(0.8) ? 'H' : 'M'}${String(scramble(index, 69_621, 2_468_024, 100_000_000)).padStart(8, '0')}`;
    case 'TAIWAN_PERMIT':
      return String(scramble(index, 40_693, 1_000_003, 100_000_000)).padStart(8, '0');
    case 'FOREIGN_PERMANENT_RESIDENT':
      return `${rng.pick(FOREIGN_COUNTRIES)}${String(scramble(index, 7_919_333, 11_000_000_000, 1_000_000_000_000)).padStart(12, '0')}`;
  }
}

/**
 * Heavy-tailed AUM per segment. Segment shares depend on age so that
 * overall about 2% come out private banking and 15% wealth, and the young
 * with small balances form the potential segment.
 */
function drawWealth(rng: Rng, age: number): { segment: Segment; aumCents: number } {
  const [pb, wealth] = age < 30 ? [0.003, 0.05] : age < 45 ? [0.02, 0.15] : [0.03, 0.21];
  const u = rng.next();
  let aum: number;
  if (u < pb) {
    aum = Math.min(PRIVATE_BANKING_MIN * 1.01 * Math.pow(1 - rng.next(), -1 / 1.6), 120_000_000);
  } else if (u < pb + wealth) {
    do aum = WEALTH_MIN * 1.01 * Math.pow(1 - rng.next(), -1 / 1.1);
    while (aum >= PRIVATE_BANKING_MIN * 0.99);
  } else if (age < POTENTIAL_MAX_AGE && rng.chance(0.55)) {
    aum = POTENTIAL_MAX * 0.98 * Math.pow(rng.next(), 2);
  } else {
    aum = Math.min(Math.max(90_000 * Math.exp(rng.normal()), 500), WEALTH_MIN * 0.99);
  }
  const segment: Segment =
    aum >= PRIVATE_BANKING_MIN
      ? 'PRIVATE_BANKING'
      : aum >= WEALTH_MIN
        ? 'WEALTH'
        : aum < POTENTIAL_MAX && age < POTENTIAL_MAX_AGE
          ? 'POTENTIAL'
          : 'MASS';
  return { segment, aumCents: Math.round(aum * 100) };
}

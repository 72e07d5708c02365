/**
 * PRC resident identity numbers (GB 11643-1999): 6-digit region code,
 * 8-digit birth date, 3-digit sequence whose last digit is odd for men and
 * even for women, and an ISO 7064 MOD 11-2 check character.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

export type IdGender = 'MALE' | 'FEMALE';

export function residentIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i];
  return CHECK_CHARS[sum % 11];
}

/**
 * The sequence's last digit is forced to the gender's parity (rounding down
 * to the even number, then adding one for men), so callers that want every
 * number distinct should pass sequences that already have that parity.
 */
export function residentIdNumber(regionCode: string, birthDate: string, sequence: number, gender: IdGender): string {
  if (!/^\d{6}$/.test(regionCode)) throw new Error(`Region code must be 6 digits: ${regionCode}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(birthDate)) throw new Error(`Birth date must be YYYY-MM-DD: ${birthDate}`);
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 999)
    throw new Error(`Sequence must be 0..999: ${sequence}`);
  const seq = sequence - (sequence % 2) + (gender === 'MALE' ? 1 : 0);
  const first17 = regionCode + birthDate.replace(/-/g, '') + String(seq).padStart(3, '0');
  return first17 + residentIdCheckChar(first17);
}

export function isValidResidentIdNumber(id: string): boolean {
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return false;
  return residentIdCheckChar(id.slice(0, 17)) === id[17];
}

/** The gender the 17th digit encodes. */
export function residentIdGender(id: string): IdGender {
  return Number(id[16]) % 2 === 1 ? 'MALE' : 'FEMALE';
}

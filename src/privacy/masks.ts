/**
 * The masks of PRODUCT.md §3, as pure functions of the full value. Clients
 * show these strings as they are, so their exact format is part of the
 * contract and each has a unit test. Strings are split into code points, not
 * UTF-16 units, so a name in a supplementary-plane character is not cut in half.
 */

/** 张三丰 → 张** */
export function maskName(name: string): string {
  const chars = Array.from(name);
  return chars[0] + '*'.repeat(Math.max(chars.length - 1, 1));
}

/** An 18-character resident ID keeps the first 3 and last 4; any other ID keeps the last 4. */
export function maskIdNumber(id: string): string {
  if (id.length === 18) return `${id.slice(0, 3)}${'*'.repeat(11)}${id.slice(-4)}`;
  return `${'*'.repeat(Math.max(id.length - 4, 4))}${id.slice(-4)}`;
}

/** 13812345678 → 138****5678 */
export function maskPhone(phone: string): string {
  return `${phone.slice(0, 3)}****${phone.slice(-4)}`;
}

/** zhang.san@example.com → z***@example.com */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${Array.from(email)[0]}***${email.slice(at)}`;
}

export interface AddressParts {
  province: string;
  city: string;
  district: string;
}

/** Keeps province, city and district; the street is hidden. */
export function maskAddress(parts: AddressParts): string {
  return `${parts.province}${parts.city}${parts.district}****`;
}

/** 6222000012341234 → ****1234 */
export function maskAccountNo(accountNo: string): string {
  return `****${accountNo.slice(-4)}`;
}

/** A mask gets the field's value and the whole object (the address mask needs its parts). */
export type Mask = (value: any, object: any) => unknown;

/** The masks a policy may name for a field (policy.ts refers to them by these names). */
export const MASKS = {
  name: (name: string) => maskName(name),
  idNumber: (id: string) => maskIdNumber(id),
  phone: (phone: string) => maskPhone(phone),
  email: (email: string) => maskEmail(email),
  address: (_address: string, object: { addressParts: AddressParts }) => maskAddress(object.addressParts),
  accountNo: (accountNo: string) => maskAccountNo(accountNo),
} satisfies Record<string, Mask>;

export type MaskName = keyof typeof MASKS;

import {
  isValidResidentIdNumber,
  residentIdCheckChar,
  residentIdGender,
  residentIdNumber,
} from '../../src/seed/id-number';
import { Rng } from '../../src/seed/random';

describe('resident ID numbers (GB 11643-1999)', () => {
  it('accepts the standard example 11010519491231002X', () => {
    expect(isValidResidentIdNumber('11010519491231002X')).toBe(true);
    expect(residentIdCheckChar('11010519491231002')).toBe('X');
  });

  it('accepts other published valid numbers', () => {
    for (const id of ['440524188001010014', '11010119900307803X', '110101199003070134']) {
      expect(isValidResidentIdNumber(id)).toBe(true);
    }
  });

  it('rejects a wrong check character', () => {
    expect(isValidResidentIdNumber('110105194912310021')).toBe(false);
    expect(isValidResidentIdNumber('440524188001010015')).toBe(false);
  });

  it('rejects impossible birth dates, wrong lengths and stray characters', () => {
    const withCheck = (first17: string) => first17 + residentIdCheckChar(first17);
    expect(isValidResidentIdNumber(withCheck('11010519490230002'))).toBe(false);
    expect(isValidResidentIdNumber(withCheck('11010519491331002'))).toBe(false);
    expect(isValidResidentIdNumber('11010519491231002')).toBe(false);
    expect(isValidResidentIdNumber('11010519491231002x')).toBe(false);
    expect(isValidResidentIdNumber('1101051949123100AX')).toBe(false);
  });

  it('reproduces the standard example from its parts', () => {
    expect(residentIdNumber('110105', '1949-12-31', 2, 'FEMALE')).toBe('11010519491231002X');
  });

  it('keeps region code, birth date and sequence in their places', () => {
    const id = residentIdNumber('440305', '1988-02-29', 123, 'MALE');
    expect(id.slice(0, 6)).toBe('440305');
    expect(id.slice(6, 14)).toBe('19880229');
    expect(id.slice(14, 17)).toBe('123');
  });

  it('puts an odd 17th digit for men and an even one for women', () => {
    for (const sequence of [0, 1, 500, 998, 999]) {
      const male = residentIdNumber('310115', '1990-06-15', sequence, 'MALE');
      const female = residentIdNumber('310115', '1990-06-15', sequence, 'FEMALE');
      expect(Number(male[16]) % 2).toBe(1);
      expect(Number(female[16]) % 2).toBe(0);
      expect(residentIdGender(male)).toBe('MALE');
      expect(residentIdGender(female)).toBe('FEMALE');
    }
  });

  it('builds numbers that all validate, across regions, dates and sequences', () => {
    const rng = new Rng(2024);
    for (let i = 0; i < 2000; i++) {
      const region = String(rng.int(110000, 659999));
      const date = new Date(Date.UTC(rng.int(1930, 2010), rng.int(0, 11), rng.int(1, 28))).toISOString().slice(0, 10);
      const gender = rng.chance(0.5) ? 'MALE' : 'FEMALE';
      const id = residentIdNumber(region, date, rng.int(0, 999), gender);
      expect(isValidResidentIdNumber(id)).toBe(true);
      expect(residentIdGender(id)).toBe(gender);
    }
  });

  it('refuses malformed parts instead of building an invalid number', () => {
    expect(() => residentIdNumber('11010', '1949-12-31', 2, 'MALE')).toThrow();
    expect(() => residentIdNumber('110105', '19491231', 2, 'MALE')).toThrow();
    expect(() => residentIdNumber('110105', '1949-12-31', 1000, 'MALE')).toThrow();
  });
});

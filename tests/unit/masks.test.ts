import { maskAccountNo, maskAddress, maskEmail, maskIdNumber, maskName, maskPhone } from '../../src/privacy/masks';

describe('masks', () => {
  it('keeps the first character of a name', () => {
    expect(maskName('张三丰')).toBe('张**');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('王')).toBe('王*');
    expect(maskName('𠮷野家')).toBe('𠮷**');
  });

  it('keeps the first 3 and last 4 of an 18-character ID number, the last 4 of others', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('110***********002X');
    expect(maskIdNumber('E12345678')).toBe('*****5678');
    // Short IDs still show at least four stars, so the length is not revealed.
    expect(maskIdNumber('H1234')).toBe('****1234');
  });

  it('masks the middle four digits of a phone', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
  });

  it('keeps the first character of the local part of an email', () => {
    expect(maskEmail('zhang.san@example.com')).toBe('z***@example.com');
    expect(maskEmail('broken')).toBe('***');
  });

  it('keeps province, city and district of an address', () => {
    expect(maskAddress({ province: '广东省', city: '深圳市', district: '南山区' })).toBe('广东省深圳市南山区****');
  });

  it('keeps the last 4 of an account number', () => {
    expect(maskAccountNo('6222000012341234')).toBe('****1234');
  });
});

import { loadConfig } from '../../src/config';

describe('K_ANONYMITY_MIN', () => {
  it('is 10 unless set', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).privacy.kAnonymityMin).toBe(10);
    expect(loadConfig({ NODE_ENV: 'test', K_ANONYMITY_MIN: '25' }).privacy.kAnonymityMin).toBe(25);
  });

  it.each(['0', '-3', '2.5', 'ten', ''])('refuses %p, naming the setting', (value) => {
    expect(() => loadConfig({ NODE_ENV: 'test', K_ANONYMITY_MIN: value })).toThrow(/K_ANONYMITY_MIN/);
  });
});

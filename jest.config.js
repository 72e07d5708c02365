/** @type {import('jest').Config} */
const swc = JSON.parse(require('node:fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swc.$schema;

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  // jose ships ESM only: let SWC turn it into CommonJS like our own code.
  transform: { '^.+\\.(ts|js)$': ['@swc/jest', { ...swc, swcrc: false }] },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  setupFiles: ['reflect-metadata', '<rootDir>/tests/support/node-errors-realm.ts'],
  // Two cores: two workers, each test file on its own database cloned from a migrated template.
  maxWorkers: 2,
  testTimeout: 60_000,
};

import pino from 'pino';

/**
 * Structured JSON logs. Personal data (names, ID numbers, phones...) must
 * never be passed to it: log ids and codes, not values.
 */
export const logger = pino({
  // startApp sets the configured level (config.ts LOG_LEVEL); scripts and tests before it stay quiet in tests.
  level: process.env.NODE_ENV === 'test' ? 'silent' : 'info',
  base: { service: 'customer360-gateway' },
  timestamp: pino.stdTimeFunctions.isoTime,
});

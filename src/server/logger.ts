import pino from 'pino';

/**
 * Structured JSON logs. Personal data (names, ID numbers, phones...) must
 * never be passed to it: log ids and codes, not values.
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  base: { service: 'customer360-gateway' },
  timestamp: pino.stdTimeFunctions.isoTime,
});

import { loadConfig } from '../config';
import type { Tracing } from './tracing';

/**
 * Imported first by main.ts, before anything requires `http` or `pg`: the
 * instrumentations patch those modules as they are required, and miss any
 * loaded earlier. Unconfigured, nothing of the SDK is even loaded.
 */
let config: ReturnType<typeof loadConfig> | undefined;
try {
  config = loadConfig();
} catch {
  // main.ts loads the configuration again and reports what is wrong with it.
}
/** Set when traces are exported; shut down last, so that the spans of the final requests leave too. */
export const tracing: Tracing | undefined = config?.tracing.enabled
  ? // A plain require keeps the SDK's modules unloaded unless tracing is on.
    (require('./tracing') as typeof import('./tracing')).startTracing(config.tracing)
  : undefined;

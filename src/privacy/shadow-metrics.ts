import { Counter, Registry } from 'prom-client';
import type { PolicyShadow } from './policy-shadow';

/**
 * Shadow mode's differences on /metrics. Requests bump plain numbers (no
 * label lookup per read); a scrape brings the counter up to them. Labels come
 * from the policy's own names, so the series are bounded by its size.
 */
export function registerShadowMetrics(shadow: PolicyShadow, registry: Registry): void {
  new Counter({
    name: 'privacy_shadow_differences_total',
    help: 'Reads (and root-field calls) the candidate privacy policy would answer otherwise than the live one.',
    labelNames: ['type', 'field', 'role', 'live_access', 'candidate_access'] as const,
    registers: [registry],
    collect() {
      for (const cell of shadow.cells.all()) {
        if (cell.count === cell.exported) continue;
        const labels = {
          type: cell.type,
          field: cell.field,
          role: cell.role,
          live_access: cell.live,
          candidate_access: cell.candidate,
        };
        this.inc(labels, cell.count - cell.exported);
        cell.exported = cell.count;
      }
    },
  });
}

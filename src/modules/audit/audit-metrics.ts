import { Gauge, Registry } from 'prom-client';
import type { AuditService } from './audit.service';

/**
 * The read audit's queue on /metrics. Every response that read a sensitive
 * field waits for its record: when the audit table is locked or slow, this
 * gauge rises before latency alerts fire, and names the cause.
 */
export function registerReadAuditMetrics(audit: AuditService, registry: Registry): void {
  new Gauge({
    name: 'audit_read_requests_waiting',
    help: 'Requests whose read-audit records wait behind the INSERT in flight (their responses wait with them).',
    registers: [registry],
    collect() {
      this.set(audit.readAuditsWaiting);
    },
  });
}

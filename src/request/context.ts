import type { DataSource } from 'typeorm';
import type { Principal } from '../auth/principal';
import type { AuditTrail } from '../modules/audit/audit-trail';
import type { RequestPrivacy } from '../privacy/request-privacy';
import type { RowScope } from '../privacy/row-scope';
import type { Loaders } from './loaders';
import type { RequestTrace } from './trace';
import type { Services } from './services';

export interface RequestContext {
  requestId: string;
  /** What the request log line and metrics will say. */
  trace: RequestTrace;
  /** The verified caller; a request without one never reaches a resolver. */
  principal: Principal;
  /** The privacy policy for the caller, per customer they load. */
  privacy: RequestPrivacy;
  /** Which customers the caller may see. */
  scope: RowScope;
  /** Sensitive fields this request returned in full, per customer: written before the response leaves. */
  audit: AuditTrail;
  /** The Idempotency-Key header, when the client sent one. */
  idempotencyKey?: string;
  /** The business date (Asia/Shanghai) fixed at the start of the request, so every age and window in it agrees. */
  today: string;
  services: Services;
  /** Where this request reads: a replica for queries, the primary for mutations. */
  reads: DataSource;
  /** This operation's loaders, over `reads`: built once the operation is known (server/loaders.ts perOperationState). */
  loaders: Loaders;
}

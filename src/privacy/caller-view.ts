import type { AuditTrail } from '../modules/audit/audit-trail';
import type { RequestPrivacy } from './request-privacy';
import type { RowScope } from './row-scope';

/** What a loader needs to know about the caller to hand out rows. */
export interface CallerView {
  today: string;
  privacy: RequestPrivacy;
  scope: RowScope;
  audit: AuditTrail;
}

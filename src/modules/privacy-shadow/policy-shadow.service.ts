import type { PolicyShadow } from '../../privacy/policy-shadow';
import type { Access } from '../../privacy/policy';
import { PolicyAccess, PolicyShadowReport } from './policy-shadow.type';

const ACCESS: Record<Access, PolicyAccess> = { F: PolicyAccess.FULL, M: PolicyAccess.MASKED, D: PolicyAccess.DENIED };

/** The shadow report of this instance; with shadow mode off, an empty report that says so. */
export function policyShadowReport(shadow: PolicyShadow | undefined): PolicyShadowReport {
  if (!shadow) return { enabled: false, candidateFile: null, candidateSha256: null, since: null, rows: [] };
  return {
    enabled: true,
    candidateFile: shadow.source.name,
    candidateSha256: shadow.source.sha256,
    since: shadow.since,
    rows: shadow.rows().map((cell) => ({
      type: cell.type,
      field: cell.field,
      role: cell.role,
      liveAccess: ACCESS[cell.live],
      candidateAccess: ACCESS[cell.candidate],
      count: cell.count,
    })),
  };
}

import type { Principal } from '../auth/principal';
import type { AccessPlan } from './access-plan';
import { ALL_COLUMNS } from './policy';
import { loadPolicyFile } from './policy-file';
import { PrivacyPolicy } from './privacy-policy';
import { DiffPlan, ROW_FIELD, roleOf, ShadowCell, ShadowCells } from './shadow-diff';

/** What the report says of the candidate: its file, and since when this process has counted. */
export interface ShadowSource {
  name: string;
  sha256: string;
}

/**
 * Shadow mode (issue 20, part 2): a candidate policy evaluated beside the live
 * one on every request, from what the request already loaded (no SQL of its
 * own). The differences are counted in this process's memory; each instance
 * counts its own reads, and Prometheus sums the instances.
 */
export class PolicyShadow {
  readonly cells = new ShadowCells();
  readonly since = new Date();
  /** Per live plan, per candidate plan: the fields that differ (null where none does). */
  private readonly diffs = new WeakMap<AccessPlan, Map<AccessPlan, DiffPlan | null>>();
  /** Per live plan: the diff against the candidate's plan for the same columns, and the cell of a hidden row. */
  private readonly sameColumns = new WeakMap<AccessPlan, DiffPlan | null>();
  private readonly hiddenRows = new WeakMap<AccessPlan, ShadowCell>();
  private readonly rowScopeAgreement = new WeakMap<PrivacyPolicy, boolean>();

  constructor(
    readonly candidate: PrivacyPolicy,
    readonly source: ShadowSource,
  ) {}

  static fromFile(file: string): PolicyShadow {
    const { data, name, sha256 } = loadPolicyFile(file);
    return new PolicyShadow(new PrivacyPolicy(data), { name, sha256 });
  }

  /** The compiled differences between two plans; undefined where they agree on every field. */
  diffOf(live: PrivacyPolicy, livePlan: AccessPlan, candidatePlan: AccessPlan): DiffPlan | undefined {
    let byCandidate = this.diffs.get(livePlan);
    if (!byCandidate) this.diffs.set(livePlan, (byCandidate = new Map()));
    let diff = byCandidate.get(candidatePlan);
    if (diff === undefined) {
      const compiled = new DiffPlan(
        [live.data.fields, this.candidate.data.fields],
        livePlan,
        candidatePlan,
        this.cells,
      );
      diff = compiled.empty ? null : compiled;
      byCandidate.set(candidatePlan, diff);
    }
    return diff ?? undefined;
  }

  /**
   * The diff for the same columns under both policies (where their row scopes
   * agree, a customer's covering columns are the same): one lookup per object.
   */
  diffForColumns(live: PrivacyPolicy, livePlan: AccessPlan): DiffPlan | undefined {
    let diff = this.sameColumns.get(livePlan);
    if (diff === undefined) {
      diff = this.diffOf(live, livePlan, this.candidate.planFor(livePlan.columns)) ?? null;
      this.sameColumns.set(livePlan, diff);
    }
    return diff ?? undefined;
  }

  /** Whether the two policies give every column the same row scope (then a customer's columns are the same too). */
  sameRowScope(live: PrivacyPolicy): boolean {
    let same = this.rowScopeAgreement.get(live);
    if (same === undefined) {
      same = ALL_COLUMNS.every((column) => live.rowScope(column) === this.candidate.rowScope(column));
      this.rowScopeAgreement.set(live, same);
    }
    return same;
  }

  /** The cell a customer the candidate's row scope would not return is counted in. */
  hiddenRow(livePlan: AccessPlan): ShadowCell {
    let cell = this.hiddenRows.get(livePlan);
    if (!cell) {
      cell = this.cells.cell('Customer', ROW_FIELD, roleOf(livePlan.columns), 'F', 'D');
      this.hiddenRows.set(livePlan, cell);
    }
    return cell;
  }

  /** A root field the candidate would let the caller call, or refuse, unlike the live policy (shield asks once per request). */
  noteCall(root: 'Query' | 'Mutation', field: string, principal: Principal, liveAllows: boolean): void {
    const candidateAllows = this.candidate.mayCall(root, field, principal);
    if (candidateAllows === liveAllows) return;
    const role = roleOf([...principal.roles].sort());
    this.cells.cell(root, field, role, liveAllows ? 'F' : 'D', candidateAllows ? 'F' : 'D').count++;
  }

  /** The cells counted so far, busiest first. */
  rows(): ShadowCell[] {
    return [...this.cells.all()]
      .filter((cell) => cell.count > 0)
      .sort((a, b) => b.count - a.count || key(a).localeCompare(key(b)));
  }
}

const key = (cell: ShadowCell) => `${cell.type}.${cell.field}.${cell.role}`;

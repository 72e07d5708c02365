import {
  announcedPaths,
  checkRepository,
  formatChanges,
  releaseChangelog,
  unannouncedChanges,
} from '../../scripts/schema-changes';

const released = `
  type Query { customer(id: ID!): Customer }
  type Customer { id: ID! name: String phone: String reason: SkipReason }
  enum SkipReason { OPTED_OUT NO_CONSENT }
`;
// A field removed (breaking) and an enum value added (dangerous).
const current = `
  type Query { customer(id: ID!): Customer }
  type Customer { id: ID! name: String reason: SkipReason }
  enum SkipReason { OPTED_OUT NO_CONSENT NOT_ELIGIBLE }
`;
const changelog = (entries: string, released = '') =>
  `# Changelog\n\nIntro naming \`Customer.phone\` in passing.\n\n## Unreleased\n\n${entries}\n${released}`;

describe('schema change check', () => {
  it('passes on the repository: every breaking or dangerous change since the last release has an entry', async () => {
    const unannounced = await checkRepository();
    expect(formatChanges(unannounced)).toBe('');
  });

  it('fails naming a removed field and an added enum value that have no entry', async () => {
    const unannounced = await unannouncedChanges(released, current, changelog('### Added\n\n- nothing yet\n'));
    expect(unannounced).toEqual([
      expect.objectContaining({ level: 'BREAKING', path: 'Customer.phone' }),
      expect.objectContaining({ level: 'DANGEROUS', path: 'SkipReason.NOT_ELIGIBLE' }),
    ]);
  });

  it('passes once each change has an Unreleased entry naming its path', async () => {
    const entries = '- `Customer.phone` removed: read it from `contact`.\n- `SkipReason.NOT_ELIGIBLE` added.\n';
    expect(await unannouncedChanges(released, current, changelog(entries))).toEqual([]);
  });

  it('counts only entries of the Unreleased section, each starting with its path', async () => {
    const inProse = '- Removed a field, see `Customer.phone`.\n- `SkipReason.NOT_ELIGIBLE` added.\n';
    const inOldRelease = '## 1.0.0 (2026-01-01)\n\n- `Customer.phone` removed.\n';
    const unannounced = await unannouncedChanges(released, current, changelog(inProse, inOldRelease));
    expect(unannounced.map((c) => c.path)).toEqual(['Customer.phone']);
  });

  it('passes an unchanged schema without any entry', async () => {
    expect(await unannouncedChanges(released, released, changelog(''))).toEqual([]);
  });
});

describe('releasing', () => {
  it('turns Unreleased into a dated version section under a fresh, empty Unreleased', () => {
    const before = changelog('- `SkipReason.NOT_ELIGIBLE` added.\n', '## 1.0.0 (2026-01-01)\n\n- first\n');
    const after = releaseChangelog(before, '1.1.0', '2026-12-01');
    expect(announcedPaths(after)).toEqual(new Set());
    expect(after).toContain('## Unreleased\n\n## 1.1.0 (2026-12-01)\n\n- `SkipReason.NOT_ELIGIBLE` added.\n');
    expect(after).toContain('## 1.0.0 (2026-01-01)');
    expect(() => releaseChangelog(after, '1.1.0', '2026-12-02')).toThrow(/already has a section for 1.1.0/);
    expect(() => releaseChangelog(after, 'next', '2026-12-02')).toThrow(/not a version/);
  });

  it('refuses a changelog without an Unreleased section', () => {
    expect(() => releaseChangelog('# Changelog\n', '1.0.0', '2026-12-01')).toThrow(/no "## Unreleased"/);
  });
});

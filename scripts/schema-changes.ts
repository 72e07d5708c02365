/**
 * The contract check: every breaking or dangerous difference between the last released SDL
 * (schema/released.graphql) and the current one (schema/schema.graphql) must be announced in
 * CHANGELOG.md's Unreleased section, because front-end teams learn of changes there and nowhere else.
 *
 * `npm run release -- --version X` is the only thing that moves schema/released.graphql forward.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';

const root = join(__dirname, '..');
export const RELEASED_PATH = join(root, 'schema', 'released.graphql');
export const CURRENT_PATH = join(root, 'schema', 'schema.graphql');
export const CHANGELOG_PATH = join(root, 'CHANGELOG.md');

const UNRELEASED = /^## Unreleased[ \t]*$/m;

export interface ContractChange {
  level: 'BREAKING' | 'DANGEROUS';
  /** What a changelog entry must name: `Type.field`, `Type.field.argument`, `Enum.VALUE` or `Type`. */
  path: string;
  message: string;
}

/** The body of the Unreleased section: from its heading to the next release heading. */
export function unreleasedSection(changelog: string): string {
  const start = changelog.search(UNRELEASED);
  if (start < 0) throw new Error('CHANGELOG.md has no "## Unreleased" section');
  const body = changelog.slice(start).replace(UNRELEASED, '');
  const next = body.search(/^## /m);
  return next < 0 ? body : body.slice(0, next);
}

/**
 * Paths named by Unreleased entries. An entry is a list item that starts with the path in
 * backticks (`- \`SkipReason.NOT_ELIGIBLE\` added: ...`), so a path mentioned in passing in
 * another entry's prose does not count as announcing it.
 */
export function announcedPaths(changelog: string): Set<string> {
  const paths = new Set<string>();
  for (const match of unreleasedSection(changelog).matchAll(/^[-*] `([^`]+)`/gm)) paths.add(match[1]);
  return paths;
}

/** Breaking and dangerous changes from released to current (an added enum value is dangerous). */
export async function contractChanges(releasedSdl: string, currentSdl: string): Promise<ContractChange[]> {
  const changes: Change[] = await diff(buildSchema(releasedSdl), buildSchema(currentSdl));
  return changes
    .filter((c) => c.criticality.level !== CriticalityLevel.NonBreaking)
    .map((c) => ({
      level: c.criticality.level === CriticalityLevel.Breaking ? 'BREAKING' : 'DANGEROUS',
      // A change with no path (the schema's root types) is named by its kind instead.
      path: c.path ?? c.type,
      message: c.message,
    }));
}

/** Breaking and dangerous changes that no Unreleased entry names. */
export async function unannouncedChanges(
  releasedSdl: string,
  currentSdl: string,
  changelog: string,
): Promise<ContractChange[]> {
  const announced = announcedPaths(changelog);
  return (await contractChanges(releasedSdl, currentSdl)).filter((c) => !announced.has(c.path));
}

export function formatChanges(changes: ContractChange[]): string {
  return changes.map((c) => `${c.level} ${c.path}: ${c.message}`).join('\n');
}

export async function checkRepository(): Promise<ContractChange[]> {
  const read = (path: string) => readFileSync(path, 'utf8');
  return unannouncedChanges(read(RELEASED_PATH), read(CURRENT_PATH), read(CHANGELOG_PATH));
}

/**
 * The changelog after releasing `version`: what was Unreleased becomes the version's section,
 * dated, under a fresh empty Unreleased section.
 */
export function releaseChangelog(changelog: string, version: string, date: string): string {
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) throw new Error(`not a version: ${version}`);
  if (new RegExp(`^## ${version.replace(/\./g, '\\.')}[ \\t]`, 'm').test(changelog))
    throw new Error(`CHANGELOG.md already has a section for ${version}`);
  unreleasedSection(changelog);
  return changelog.replace(UNRELEASED, `## Unreleased\n\n## ${version} (${date})`);
}

/** `npm run release -- --version X`. */
async function release(argv: string[]): Promise<void> {
  const at = argv.indexOf('--version');
  const version = at >= 0 ? argv[at + 1] : undefined;
  if (!version) throw new Error('usage: npm run release -- --version X.Y.Z');
  // Released from a stale SDL, the released schema would not be what the gateway serves.
  const { emittedSchema } = await import('./emit-schema');
  if (readFileSync(CURRENT_PATH, 'utf8') !== (await emittedSchema()))
    throw new Error('schema/schema.graphql is stale: run `npm run schema:emit` first');
  const unannounced = await checkRepository();
  if (unannounced.length)
    throw new Error(`these changes have no entry in CHANGELOG.md's Unreleased section:\n${formatChanges(unannounced)}`);
  const date = new Date().toISOString().slice(0, 10);
  const changelog = releaseChangelog(readFileSync(CHANGELOG_PATH, 'utf8'), version, date);
  writeFileSync(RELEASED_PATH, readFileSync(CURRENT_PATH, 'utf8'));
  writeFileSync(CHANGELOG_PATH, changelog);
  console.log(`released ${version}: schema/released.graphql and CHANGELOG.md updated`);
}

if (require.main === module) {
  release(process.argv.slice(2)).catch((error: Error) => {
    console.error(error.message);
    process.exitCode = 1;
  });
}

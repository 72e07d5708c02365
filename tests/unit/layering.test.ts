import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * The layers of src/ (README, "How the code is laid out"): src/server (HTTP,
 * Apollo, plugins) sits on top and nothing below imports from it; modules
 * reach the request context, services and loaders through src/request.
 */
const SRC = resolve(__dirname, '../../src');
/** The process entry point starts the server; it is above every layer. */
const ABOVE_THE_SERVER = new Set(['main.ts']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)[^'"]*from\s+['"](\.[^'"]+)['"]/gm)].map(([, spec]) =>
    relative(SRC, resolve(file, '..', spec)),
  );
}

it('has nothing below src/server import from it', () => {
  const offenders = sourceFiles(SRC)
    .map((file) => relative(SRC, file))
    .filter((file) => !file.startsWith('server/') && !ABOVE_THE_SERVER.has(file))
    .flatMap((file) =>
      importsOf(join(SRC, file))
        .filter((target) => target === 'server' || target.startsWith('server/'))
        .map((target) => `${file} imports ${target}`),
    );
  expect(offenders).toEqual([]);
});

it('finds the imports it checks (a file known to import from src/server does)', () => {
  expect(importsOf(join(SRC, 'main.ts')).some((target) => target.startsWith('server/'))).toBe(true);
});

it('has field resolvers take their parent with @Parent(), never type-graphql’s copying @Root()', () => {
  const offenders = sourceFiles(SRC)
    .filter((file) => /@Root\(/.test(readFileSync(file, 'utf8').replace(/`@Root\(\)`/g, '')))
    .map((file) => relative(SRC, file));
  expect(offenders).toEqual([]);
});

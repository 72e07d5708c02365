import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kind, OperationDefinitionNode, parse } from 'graphql';
import { decodeJwt } from 'jose';
import { businessToday } from '../../src/common/business-date';
import { DEMO_SEED } from '../../src/seed/demo';
import { generateReferenceData } from '../../src/seed/reference-data';
import { EntryPoint, freshCloneEnv, startEmbeddedEntryPoint } from '../support/embedded-entry-point';

/**
 * The README is the first thing a newcomer runs, so its examples are run here
 * as written: read out of README.md (never copied into this file, or the two
 * drift apart), each with a token from the README's own `npm run token`
 * command for the role the README names beside it, against `npm start`'s
 * default, the embedded database with its demo data. An error the README does
 * not show as expected fails the test.
 */
const ROOT = join(__dirname, '../..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

interface Fence {
  info: string;
  body: string;
  line: number;
}

/** Fenced code blocks as CommonMark reads them (``` or ~~~, closed by a fence of the same kind at least as long). */
function fencedBlocks(markdown: string): Fence[] {
  const blocks: Fence[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^`]*)$/.exec(lines[i]);
    if (!open) continue;
    const [, fence, info] = open;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length; i++) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[i]);
      if (close && close[1][0] === fence[0] && close[1].length >= fence.length) break;
      body.push(lines[i]);
    }
    blocks.push({ info: info.trim().split(/\s+/)[0] ?? '', body: body.join('\n'), line: start + 1 });
  }
  return blocks;
}

interface Example {
  where: string;
  /** The command the README gives for the token, run as written. */
  tokenCommand: string;
  query: string;
  /** Set when the README calls a request to a URL it names (curl). */
  url?: string;
  /** Paths the README says answer FORBIDDEN, and the error it shows for them, if it shows one. */
  forbidden: string[];
  shownError?: Record<string, unknown>;
}

const tokenCommandFor = (role: string) => `npm run -s token -- --role ${role}`;

function readmeExamples(): Example[] {
  const blocks = fencedBlocks(README);
  const examples: Example[] = [];
  blocks.forEach((block, index) => {
    const where = `README.md:${block.line}`;
    if (block.info === 'graphql') {
      // `# as ROLE[, expect FORBIDDEN at a.b, c.d]` on the block's first line.
      const marker = /^#\s*as\s+([A-Z_]+)(?:,\s*expect FORBIDDEN at\s+(.+))?$/.exec(block.body.split('\n')[0].trim());
      if (!marker) throw new Error(`${where}: a GraphQL example must name its role on its first line (# as ROLE)`);
      const forbidden = marker[2]?.split(/,\s*/).map((p) => p.trim()) ?? [];
      const next = blocks[index + 1];
      examples.push({
        where,
        tokenCommand: tokenCommandFor(marker[1]),
        query: block.body,
        forbidden,
        shownError: forbidden.length && next?.info === 'json' ? JSON.parse(next.body) : undefined,
      });
    }
    if (block.info === 'sh') {
      const commands = block.body.replace(/\\\n\s*/g, ' ').split('\n');
      let tokenCommand: string | undefined;
      for (const command of commands) {
        tokenCommand = /^TOKEN=\$\((npm run -s token -- [^)]*)\)$/.exec(command.trim())?.[1] ?? tokenCommand;
        if (!/^curl\s/.test(command.trim())) continue;
        const body = /\s-d\s+'([^']*)'/.exec(command)?.[1];
        const url = /\s(https?:\/\/\S+)/.exec(command)?.[1];
        if (!body || !url) throw new Error(`${where}: a curl example without a URL or a -d '<json>' body`);
        if (!tokenCommand || !command.includes('Bearer $TOKEN')) {
          throw new Error(
            `${where}: a curl example must send the token of a TOKEN=$(npm run -s token ...) line before it`,
          );
        }
        examples.push({
          where,
          tokenCommand,
          query: (JSON.parse(body) as { query: string }).query,
          url,
          forbidden: [],
        });
      }
    }
  });
  return examples;
}

const run = promisify(execFile);

describe("the README's examples, on the embedded default", () => {
  let url: string;
  let entry: EntryPoint;
  beforeAll(async () => {
    // As a fresh clone has it: no database, no secret, no token settings.
    entry = await startEmbeddedEntryPoint();
    url = entry.url;
  }, 120_000);
  afterAll(() => entry?.stop());

  it('runs every GraphQL example with the token the README names, with no error it does not show', async () => {
    const examples = readmeExamples();
    expect(examples.filter((e) => e.url).length).toBeGreaterThan(0);
    expect(examples.filter((e) => !e.url).length).toBeGreaterThan(0);
    expect(examples.filter((e) => e.forbidden.length).length).toBeGreaterThan(0);

    const tokens = new Map<string, string>();
    const tokenFor = async (command: string) => {
      if (!tokens.has(command)) {
        // Through a shell, as the reader types it.
        const { stdout } = await run('sh', ['-c', command], { cwd: ROOT, env: freshCloneEnv() });
        tokens.set(command, stdout.trim());
        // A made-up staff id could read but not write (PRODUCT.md §2): the README's tokens are real demo staff.
        const { staff } = generateReferenceData(DEMO_SEED, businessToday('Asia/Shanghai'));
        const { sub, roles } = decodeJwt(stdout.trim()) as { sub: string; roles: string[] };
        expect({ command, roles, demoStaff: staff.some((member) => member.id === sub) }).toEqual({
          command,
          roles,
          demoStaff: !roles.includes('PARTNER'),
        });
      }
      return tokens.get(command)!;
    };
    // "Use an id from the query above": the first customer id an earlier example answered.
    let customerId: string | undefined;

    for (const example of examples) {
      const operation = parse(example.query).definitions.find(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      )!;
      const variables: Record<string, unknown> = {};
      for (const definition of operation.variableDefinitions ?? []) {
        const name = definition.variable.name.value;
        if (name !== 'id' || !customerId) throw new Error(`${example.where}: nothing in the README fills $${name}`);
        variables[name] = customerId;
      }
      const target = example.url ? example.url.replace(/^https?:\/\/[^/]+\/graphql$/, url) : url;
      expect({ where: example.where, target }).toEqual({ where: example.where, target: url });
      const res = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await tokenFor(example.tokenCommand)}`,
        },
        body: JSON.stringify({ query: example.query, variables }),
      });
      const body = (await res.json()) as {
        data?: any;
        errors?: { message: string; path?: string[]; extensions: any }[];
      };
      const errors = body.errors ?? [];
      const unexpected = errors.filter(
        (e) => e.extensions?.code !== 'FORBIDDEN' || !example.forbidden.includes((e.path ?? []).join('.')),
      );
      expect({ where: example.where, status: res.status, unexpected }).toEqual({
        where: example.where,
        status: 200,
        unexpected: [],
      });
      // Each root field answered: a null (a customer not found) would leave the rest of the example untried.
      for (const [field, value] of Object.entries(body.data ?? {})) {
        expect({ where: example.where, field, answered: value !== null }).toEqual({
          where: example.where,
          field,
          answered: true,
        });
      }
      for (const path of example.forbidden) {
        const error = errors.find((e) => (e.path ?? []).join('.') === path);
        const value = path.split('.').reduce((at: any, key) => at?.[key], body.data);
        expect({ where: example.where, path, denied: error !== undefined, value }).toEqual({
          where: example.where,
          path,
          denied: true,
          value: null,
        });
        if (example.shownError) {
          const { requestId, ...shownExtensions } = example.shownError.extensions as Record<string, unknown>;
          // The README leaves out `locations`, which every GraphQL error carries; the rest must be as shown.
          expect(error).toMatchObject({
            ...example.shownError,
            extensions: { ...shownExtensions, ...(requestId === undefined ? {} : { requestId: expect.any(String) }) },
          });
        }
      }
      customerId ??= body.data?.customers?.edges?.[0]?.node?.id;
    }
  }, 60_000);
});

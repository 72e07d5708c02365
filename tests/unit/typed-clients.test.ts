import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatePersistedQueryManifest } from '@apollo/generate-persisted-query-manifest';
import manifestConfig from '../../persisted-query-manifest.config.json';

// Both tools resolve their globs against the working directory.
const root = join(__dirname, '..', '..');
beforeAll(() => process.chdir(root));

describe('typed clients', () => {
  it('clients/operations.ts is what `npm run codegen` generates from operations/ and the SDL', () => {
    // The CLI itself (an ES module, which jest cannot load), in its dry-run mode: it exits 1 on a stale file.
    const bin = join(root, 'node_modules', '@graphql-codegen', 'cli', 'esm', 'bin.js');
    const run = spawnSync(process.execPath, [bin, '--config', 'codegen.ts', '--check'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect({ status: run.status, output: run.stdout + run.stderr }).toEqual({ status: 0, output: expect.any(String) });
  });
});

describe('partner safelist', () => {
  it('persisted-queries/partner.json is what `npm run safelist` generates from operations/partner', async () => {
    const generated = await generatePersistedQueryManifest(manifestConfig, 'persisted-query-manifest.config.json');
    expect(generated.operations.map((op) => op.name)).toEqual([
      'Me',
      'RecordCampaignResponse',
      'RecordInteraction',
      'RegisterLead',
    ]);
    expect(JSON.parse(readFileSync(join(root, manifestConfig.output), 'utf8'))).toEqual(generated);
  });
});

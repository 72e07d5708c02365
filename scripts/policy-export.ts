/**
 * Writes the live privacy policy as a policy file (src/privacy/policy-file.ts):
 *   npm run policy:export -- [file]        (default: privacy-policy.json)
 * A candidate for shadow mode is an edited copy, named by PRIVACY_SHADOW_POLICY.
 */
import { writeFileSync } from 'node:fs';
import { policyToFile } from '../src/privacy/policy-file';
import { LIVE_POLICY_DATA } from '../src/privacy/policy';

const USAGE = 'usage: npm run policy:export -- [file]   (default: privacy-policy.json)';
const [file = 'privacy-policy.json', ...extra] = process.argv.slice(2);
// `--help` or a stray flag must not become a file of that name.
if (file.startsWith('-') || extra.length > 0) {
  console.error(USAGE);
  process.exit(file === '--help' || file === '-h' ? 0 : 2);
}
// One line per field's cells, so a reviewer's diff of a candidate shows the fields it changes.
const text = JSON.stringify(policyToFile(LIVE_POLICY_DATA), null, 2).replace(
  /"access": \{\n([^{}]*?)\n\s*\}/g,
  (_all, cells: string) =>
    `"access": { ${cells
      .trim()
      .split(/,\s*\n\s*/)
      .join(', ')} }`,
);
writeFileSync(file, `${text}\n`);
console.error(`wrote the live privacy policy to ${file}`);

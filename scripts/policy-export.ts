/**
 * Writes the live privacy policy as a policy file (src/privacy/policy-file.ts):
 *   npm run policy:export -- [file]        (default: privacy-policy.json)
 * A candidate for shadow mode is an edited copy, named by PRIVACY_SHADOW_POLICY.
 */
import { writeFileSync } from 'node:fs';
import { policyToFile } from '../src/privacy/policy-file';
import { LIVE_POLICY_DATA } from '../src/privacy/policy';

const file = process.argv[2] ?? 'privacy-policy.json';
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

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/test-app';
import { staffId } from '../support/staff-ids';
import { auditSigningKeyFile } from '../support/audit-signing-key';

/**
 * The explorer as a person uses it, in a real browser with every other host
 * out of reach: bank networks reach no public CDN, so a page that needs one is
 * blank there (Apollo Sandbox was).
 */
// Debian's package; CHROMIUM_PATH points elsewhere (or nowhere, to see the skip).
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const haveBrowser = fs.existsSync(CHROMIUM);
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const PRODUCTION = {
  NODE_ENV: 'production',
  MASTER_KEY: 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=',
  JWT_SECRET: 'p'.repeat(40),
  AUDIT_HASH_KEY: 'a'.repeat(40),
  AUDIT_SIGNING_KEY_FILE: auditSigningKeyFile(),
  LOG_LEVEL: 'silent',
};
const AUDITOR = { sub: staffId('explorer-auditor'), roles: ['COMPLIANCE_AUDITOR'] };

function openPage(url: string) {
  return fetch(url, { headers: { accept: BROWSER_ACCEPT } });
}

/** Every src and href in the page, as written. */
function assetUrls(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
}

describe('the explorer in a real browser', () => {
  if (!haveBrowser) {
    // On a developer's machine without a browser the test says so; CI must have one (.ci/run installs it).
    if (process.env.CI === 'true') {
      it(`needs Chromium at ${CHROMIUM} under CI`, () => {
        throw new Error(`${CHROMIUM} is missing: install it (apt-get install -y chromium)`);
      });
    } else {
      console.warn(`Skipping the explorer browser test: ${CHROMIUM} is missing (apt-get install -y chromium)`);
      it.skip('runs a query from the page with other hosts blocked (no Chromium)', () => {});
    }
    return;
  }

  let app: TestApp;
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    app = await startTestApp();
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'explorer-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_FLAGS,
      headless: true,
      viewport: { width: 1280, height: 800 },
    });
  });

  afterAll(async () => {
    await context?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
    await app?.close();
  });

  it('runs a query with a pasted token and shows the result, without reaching any other host', async () => {
    const server = new URL(app.url);
    const elsewhere: string[] = [];
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.host === server.host) return route.continue();
      elsewhere.push(url.href);
      return route.abort('blockedbyclient');
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('requestfailed', (request) => {
      if (new URL(request.url()).host === server.host)
        problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`);
    });

    const response = await page.goto(app.url);
    expect(response?.status()).toBe(200);
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor();

    // Typed as a person pastes: insertText, so the editor's bracket auto-closing does not double them.
    const token = await app.token(AUDITOR);
    await page.getByRole('button', { name: 'Headers' }).click();
    await page.locator('.graphiql-editor-tool .CodeMirror').last().click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(JSON.stringify({ authorization: `Bearer ${token}` }));

    await page.locator('.graphiql-query-editor .CodeMirror').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText('{ me { id roles } }');
    await page.locator('.graphiql-execute-button').click();

    const result = page.locator('.graphiql-response');
    await result.getByText(AUDITOR.sub).waitFor({ timeout: 15_000 });
    await result.getByText('COMPLIANCE_AUDITOR').waitFor();

    // The schema is read with the token too (the gateway refuses anonymous introspection).
    await page.getByRole('button', { name: 'Re-fetch GraphQL schema' }).click();
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click();
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.getByText('Query', { exact: true }).first().click({ timeout: 15_000 });
    await docs.getByText('customerByNumber').first().waitFor();
    if (process.env.EXPLORER_SCREENSHOT) await page.screenshot({ path: process.env.EXPLORER_SCREENSHOT });

    expect(elsewhere).toEqual([]);
    // The token must not outlive the tab: GraphiQL's history would keep the headers in localStorage.
    const stored = await page.evaluate(() => JSON.stringify({ ...(globalThis as any).localStorage }));
    expect(stored).not.toContain(token);
    expect(problems).toEqual([]);
  });
});

describe('the explorer page, without a browser', () => {
  describe('in development', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp();
    });
    afterAll(() => app?.close());

    it('loads every asset from the gateway itself, under a policy that forbids other hosts', async () => {
      const res = await openPage(app.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const policy = res.headers.get('content-security-policy') ?? '';
      expect(policy).toContain("default-src 'none'");
      for (const directive of policy.split(';').map((d) => d.trim().split(/\s+/))) {
        // Only the page's own origin (and inline data: fonts and images) in every directive.
        for (const source of directive.slice(1))
          expect(["'self'", "'none'", "'unsafe-inline'", 'data:']).toContain(source);
      }
      const html = await res.text();
      const urls = assetUrls(html);
      expect(urls.length).toBeGreaterThanOrEqual(5);
      for (const url of urls) {
        if (url.startsWith('data:')) continue;
        const absolute = new URL(url, app.url);
        expect(absolute.origin).toBe(new URL(app.url).origin);
        const asset = await fetch(absolute);
        expect([url, asset.status]).toEqual([url, 200]);
        expect(asset.headers.get('content-type')).toMatch(/javascript|css/);
      }
    });

    it('serves nothing else from node_modules', async () => {
      const origin = new URL(app.url).origin;
      expect((await fetch(`${origin}/explorer/assets/package.json`)).status).toBe(404);
      expect((await fetch(`${origin}/explorer/assets/../../package.json`)).status).toBe(404);
    });

    it('leaves API clients to Apollo: a GET with a query still runs, and still needs a preflight header', async () => {
      const token = await app.token(AUDITOR);
      const url = `${app.url}?query=${encodeURIComponent('{ me { id } }')}`;
      const refused = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toMatch(/CSRF|preflight/i);
      const answered = await fetch(url, {
        headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': '1' },
      });
      expect(answered.status).toBe(200);
      expect(await answered.json()).toEqual({ data: { me: { id: AUDITOR.sub } } });
    });
  });

  describe('in production', () => {
    it('answers no explorer page unless EXPLORER_ENABLED turns it on', async () => {
      const off = await startTestApp(PRODUCTION);
      try {
        const res = await openPage(off.url);
        expect(res.headers.get('content-type')).not.toMatch(/html/);
        expect(await res.text()).not.toMatch(/graphiql|<html/i);
        expect((await fetch(new URL('/explorer/assets/graphiql.min.js', off.url))).status).toBe(404);
      } finally {
        await off.close();
      }
      const on = await startTestApp({ ...PRODUCTION, EXPLORER_ENABLED: 'true' });
      try {
        const res = await openPage(on.url);
        expect(res.status).toBe(200);
        expect(await res.text()).toContain('explorer/assets/graphiql.min.js');
      } finally {
        await on.close();
      }
    });
  });
});

import fs from 'node:fs';
import path from 'node:path';
import express from 'express';

/**
 * GraphiQL, served by the gateway itself: bank networks reach no public CDN,
 * so every script, style and font comes from the pinned npm packages (fonts
 * are inlined in graphiql's CSS as data: URLs), and the page's
 * Content-Security-Policy refuses anything from another host.
 */
const ASSETS = '/explorer/assets';

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // GraphiQL and CodeMirror position their popups with style attributes.
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function packageDir(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`));
}

/**
 * The template sits beside this module in the source tree; `tsc` copies no
 * HTML, so the compiled server (dist/src/server) finds it from the checkout's root.
 */
function templateDir(): string {
  const beside = path.join(__dirname, 'explorer');
  if (fs.existsSync(path.join(beside, 'index.html'))) return beside;
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return path.join(dir, 'src', 'server', 'explorer');
}

/** Only these files are reachable: not the rest of node_modules. */
function vendorAssets(): Record<string, string> {
  const react = packageDir('react');
  const reactDom = packageDir('react-dom');
  const graphiql = packageDir('graphiql');
  return {
    'react.production.min.js': path.join(react, 'umd', 'react.production.min.js'),
    'react-dom.production.min.js': path.join(reactDom, 'umd', 'react-dom.production.min.js'),
    'graphiql.min.js': path.join(graphiql, 'graphiql.min.js'),
    'graphiql.min.css': path.join(graphiql, 'graphiql.min.css'),
  };
}

/** A browser (HTML preferred over JSON) asking for the endpoint itself; API clients never prefer HTML. */
function wantsPage(req: express.Request): boolean {
  return (
    req.path === '/graphql' &&
    req.accepts(['application/graphql-response+json', 'application/json', 'text/html']) === 'text/html'
  );
}

/**
 * The explorer's routes, mounted before Apollo's middleware. Anything that is
 * not a browser asking for a page (a GET carrying `?query=` from a client, a
 * POST) falls through to Apollo untouched, CSRF prevention included.
 */
export function explorerRoutes(): express.Router {
  const dir = templateDir();
  const page = fs.readFileSync(path.join(dir, 'index.html'));
  const router = express.Router();

  for (const [name, file] of Object.entries(vendorAssets())) {
    if (!fs.existsSync(file)) throw new Error(`The explorer's ${name} is missing (${file}): run npm ci`);
    router.get(`${ASSETS}/${name}`, (_req, res, next) => res.sendFile(file, (error) => error && next(error)));
  }
  router.use(ASSETS, express.static(path.join(dir, 'assets'), { index: false }));

  router.get('/graphql', (req, res, next) => {
    if (!wantsPage(req)) return next();
    res
      .status(200)
      .type('html')
      .set({
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'cache-control': 'no-store',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
        vary: 'Accept',
      })
      .send(page);
  });
  return router;
}

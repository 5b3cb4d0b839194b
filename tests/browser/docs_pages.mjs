// The docs pages in a real browser: headless Chromium, driven by playwright-core,
// against the items app (writes need ITEMS_API_TOKEN) on the local server, and
// through cgate-local as a REST API at /prod. Swagger UI must list every
// operation; "Try it out" must answer 401 before "Authorize" and create an item
// (201) after it; ReDoc must show the API's title; every request the pages make
// must go to the server, under the stage when there is one. Screenshots go to
// build/browser/.
//
// Usage: node docs_pages.mjs BIN_DIR     (exit 77: skipped, with the reason)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN_DIR = process.argv[2] || path.join(ROOT, 'build/dev/bin');
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'build/browser');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
               '--disable-component-update', '--disable-sync', '--no-first-run'];
const TOKEN = 'browser-test-token';
const OPERATIONS = [
  'GET /', 'GET /api/health', 'GET /api/aws-info', 'GET /api/items', 'POST /api/items',
  'GET /api/items/{item_id}', 'PUT /api/items/{item_id}', 'DELETE /api/items/{item_id}',
];

if (!existsSync(CHROMIUM)) {
  console.log(`SKIP: ${CHROMIUM} is missing: tools/deps.sh test could not install Debian's chromium`);
  process.exit(77);
}
const require = createRequire(path.join(ROOT, 'build/node/'));
const { chromium } = require('playwright-core');

// Start a program that prints "listening on http://HOST:PORT"; resolve with its URL.
function start(cmd, args, env) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start: ${output}`)), 15000);
    const read = (chunk) => {
      output += chunk;
      const m = output.match(/listening on (http:\/\/[0-9.]+:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', (code) => reject(new Error(`${cmd} exited (${code}): ${output}`)));
  });
}

// A page whose every request outside `origin` is recorded and refused; the
// paths of the others are recorded too.
async function openPage(browser, origin, outside, paths) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin + '/')) {
      paths.push(new URL(url).pathname);
      return route.continue();
    }
    outside.push(url);
    return route.abort();
  });
  return context.newPage();
}

// Execute an opened "Try it out" and return the status it shows (the cell
// says "401 Undocumented" for a status the document does not list); waits
// until it differs from the previous one.
async function execute(op, previous) {
  await op.locator('.execute').click();
  const cell = op.locator('.live-responses-table tr.response .response-col_status').first();
  await cell.waitFor({ timeout: 15000 });
  const status = async () => (await cell.textContent()).trim().split(/\s/)[0];
  const deadline = Date.now() + 15000;
  let code = await status();
  while (code === previous && Date.now() < deadline) {
    await op.page().waitForTimeout(100);
    code = await status();
  }
  return code;
}

async function authorize(page) {
  await page.locator('.auth-wrapper .authorize').click();
  const dialog = page.locator('.modal-ux');
  await dialog.locator('input[type=text]').fill(TOKEN);
  await dialog.locator('.auth-btn-wrapper .authorize').click();
  await dialog.locator('.auth-btn-wrapper .btn-done').click();
}

async function checkSwagger(page, base, prefix, name) {
  await page.goto(`${base}${prefix}/docs`);
  await page.waitForSelector('.opblock', { timeout: 20000 });
  const shown = await page.$$eval('.opblock-summary', (blocks) => blocks.map((b) =>
    `${b.querySelector('.opblock-summary-method').textContent} ${b.querySelector('.opblock-summary-path').getAttribute('data-path')}`));
  for (const op of OPERATIONS)
    if (!shown.includes(op)) throw new Error(`Swagger UI does not show ${op}; it shows ${shown.join(', ')}`);

  const create = page.locator('#operations-items-create_item_api_items_post');
  await create.locator('.opblock-summary').click();
  await create.locator('.try-out__btn').click();
  await create.locator('textarea.body-param__text').fill('{"name": "Browser hammer", "price": 12.5}');
  const refused = await execute(create, '');
  if (refused !== '401') throw new Error(`"Try it out" before "Authorize" answered ${refused}, not 401`);
  await authorize(page);
  const created = await execute(create, refused);
  if (created !== '201') throw new Error(`"Try it out" after "Authorize" answered ${created}, not 201`);
  const url = await create.locator('.request-url pre').textContent();
  if (!url.startsWith(`${base}${prefix}/api/items`)) throw new Error(`"Try it out" called ${url}`);
  await page.screenshot({ path: path.join(SHOTS, `${name}-swagger.png`), fullPage: true });
}

// The page an OAuth2 server sends the browser back to: it loads its script.
async function checkOauth2Redirect(page, base, prefix) {
  const script = page.waitForResponse((res) => res.url().includes('/oauth2-redirect.js'));
  const res = await page.goto(`${base}${prefix}/docs/oauth2-redirect`);
  if (res.status() !== 200) throw new Error(`${prefix}/docs/oauth2-redirect answered ${res.status()}`);
  const js = await script;
  if (js.status() !== 200) throw new Error(`${js.url()} answered ${js.status()}`);
}

async function checkRedoc(page, base, prefix, name) {
  await page.goto(`${base}${prefix}/redoc`);
  await page.locator('h1', { hasText: 'Items API' }).first().waitFor({ timeout: 20000 });
  await page.locator('h2', { hasText: 'Create an item' }).first().waitFor();
  await page.screenshot({ path: path.join(SHOTS, `${name}-redoc.png`) });
}

async function checkPages(browser, base, prefix, name) {
  const origin = new URL(base).origin;
  const outside = [], paths = [];
  const page = await openPage(browser, origin, outside, paths);
  await checkSwagger(page, base, prefix, name);
  await checkOauth2Redirect(page, base, prefix);
  await checkRedoc(page, base, prefix, name);
  await page.context().close();
  if (outside.length) throw new Error(`requests outside the server: ${outside.join(', ')}`);
  const astray = paths.filter((p) => !p.startsWith(`${prefix}/`));
  if (astray.length) throw new Error(`requests outside ${prefix}/: ${astray.join(', ')}`);
}

// cgate-local in front of items (the same build's, as a Lambda bootstrap),
// as a REST API whose URLs start with its stage.
function startGateway(env) {
  return start(path.join(BIN_DIR, 'cgate-local'), ['start-api', '--format', 'rest', '--stage', 'prod', '--port', '0',
                                                   '--', path.join(BIN_DIR, 'items')], env);
}

const results = { passed: 0, failed: 0 };
async function variant(name, run) {
  try {
    await run();
    results.passed++;
    console.log(`ok: ${name}`);
  } catch (err) {
    results.failed++;
    console.log(`FAILED: ${name}: ${err.stack || err}`);
  }
}

mkdirSync(SHOTS, { recursive: true });
const env = {
  ITEMS_DB: path.join(mkdtempSync(path.join(tmpdir(), 'cgate-browser-')), 'items.db'),
  ITEMS_API_TOKEN: TOKEN,
};
const server = await start(path.join(BIN_DIR, 'items'), ['serve', '--port', '0', '--quiet'], env);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
try {
  await variant('local server /docs and /redoc', () => checkPages(browser, server.url, '', 'local'));
  await variant('cgate-local --format rest --stage prod: /prod/docs and /prod/redoc', async () => {
    const gw = await startGateway(env);
    try {
      await checkPages(browser, gw.url, '/prod', 'stage');
    } finally {
      gw.child.kill();
    }
  });
} finally {
  await browser.close();
  server.child.kill();
}
console.log(`${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed ? 1 : 0);

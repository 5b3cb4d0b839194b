// The docs pages in a real browser: headless Chromium, driven by playwright-core,
// against the items app on the local server (and through cgate-local with a
// stage, when the emulator serves one). Swagger UI must list every operation
// and create an item with "Try it out"; ReDoc must show the API's title; no
// page may request anything outside the server. Screenshots go to build/browser/.
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

// A page whose every request outside `origin` is recorded and refused.
async function openPage(browser, origin, outside) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin + '/')) return route.continue();
    outside.push(url);
    return route.abort();
  });
  return context.newPage();
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
  await create.locator('.execute').click();
  const status = create.locator('.live-responses-table tr.response .response-col_status').first();
  await status.waitFor({ timeout: 15000 });
  const code = (await status.textContent()).trim();
  if (code !== '201') throw new Error(`"Try it out" answered ${code}, not 201`);
  const url = await create.locator('.request-url pre').textContent();
  if (!url.startsWith(`${base}${prefix}/api/items`)) throw new Error(`"Try it out" called ${url}`);
  await page.screenshot({ path: path.join(SHOTS, `${name}-swagger.png`), fullPage: true });
}

async function checkRedoc(page, base, prefix, name) {
  await page.goto(`${base}${prefix}/redoc`);
  await page.locator('h1', { hasText: 'Items API' }).first().waitFor({ timeout: 20000 });
  await page.locator('h2', { hasText: 'Create an item' }).first().waitFor();
  await page.screenshot({ path: path.join(SHOTS, `${name}-redoc.png`) });
}

async function checkPages(browser, base, prefix, name) {
  const origin = new URL(base).origin;
  const outside = [];
  const page = await openPage(browser, origin, outside);
  await checkSwagger(page, base, prefix, name);
  await checkRedoc(page, base, prefix, name);
  await page.context().close();
  if (outside.length) throw new Error(`requests outside the server: ${outside.join(', ')}`);
}

// cgate-local in front of items, as API Gateway with a stage; null when the
// emulator does not serve the stage's paths (then the variant is reported skipped).
async function startGateway(env) {
  const tool = path.join(BIN_DIR, 'cgate-local');
  if (!existsSync(tool)) return null;
  const gw = await start(tool, ['start-api', '--format', 'rest', '--stage', 'prod', '--port', '0', '--',
                                path.join(BIN_DIR, 'items')], env);
  const res = await fetch(`${gw.url}/prod/api/health`).catch(() => null);
  if (res && res.status === 200) return gw;
  gw.child.kill();
  return null;
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
const env = { ITEMS_DB: path.join(mkdtempSync(path.join(tmpdir(), 'cgate-browser-')), 'items.db') };
const server = await start(path.join(BIN_DIR, 'items'), ['serve', '--port', '0', '--quiet'], env);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
try {
  await variant('local server /docs and /redoc', () => checkPages(browser, server.url, '', 'local'));
  const gw = await startGateway(env);
  if (gw) {
    await variant('cgate-local --stage prod /prod/docs and /prod/redoc',
                  () => checkPages(browser, gw.url, '/prod', 'stage')).finally(() => gw.child.kill());
  } else {
    console.log('SKIP: the stage variant: cgate-local is missing or does not serve /prod/... yet');
  }
} finally {
  await browser.close();
  server.child.kill();
}
console.log(`${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed ? 1 : 0);

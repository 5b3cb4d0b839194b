// What the Node.js peers of the Lambda benchmark share (peer_fastify.mjs,
// peer_express.mjs): loading their npm packages, the in-process timer and a
// Runtime API loop.
//
//   node peer_X.mjs inprocess EVENT_FILE N   µs per event, in process
//   node peer_X.mjs runtime                  a Lambda bootstrap
//
// Both modes do the same per event: the event's bytes parsed, the handler,
// the response serialised: what a runtime does between /next and /response.
// The loop uses node:http with one kept-alive connection to
// $AWS_LAMBDA_RUNTIME_API.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const API = '/2018-06-01/runtime';
const BATCHES = 10;
const ARN = 'arn:aws:lambda:eu-west-1:210987654321:function:bench';

// The packages are installed apart from the sources (`make bench`:
// build/bench-node, from bench/node/package-lock.json).
const nodeDir = process.env.BENCH_NODE_DIR || new URL('../../build/bench-node/', import.meta.url).pathname;
export const requirePeer = createRequire(join(nodeDir, 'package.json'));

function contextFor(requestId, deadlineMs, arn) {
  return {
    awsRequestId: requestId,
    invokedFunctionArn: arn,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME || 'bench',
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    callbackWaitsForEmptyEventLoop: true,
  };
}

async function handle(handler, eventText, context) {
  const result = await handler(JSON.parse(eventText), context);
  if (result.statusCode !== 200) throw new Error(`not a 200 response: ${JSON.stringify(result).slice(0, 300)}`);
  return JSON.stringify(result);
}

// N events in eleven batches, the first a warm-up; prints each timed
// batch's µs per event and their median.
async function inprocess(handler, path, n) {
  const event = readFileSync(path, 'utf8');
  const context = contextFor('inprocess', 0, ARN);
  const perBatch = Math.floor(n / (BATCHES + 1));
  const timings = [];
  for (let batch = 0; batch <= BATCHES; batch++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < perBatch; i++) await handle(handler, event, context);
    const us = Number(process.hrtime.bigint() - start) / 1000 / perBatch;
    if (batch > 0) {
      timings.push(us);
      console.log(`batch_us ${us.toFixed(3)}`);
    }
  }
  timings.sort((a, b) => a - b);
  const median = (timings[BATCHES / 2 - 1] + timings[BATCHES / 2]) / 2;
  console.log(`events ${perBatch * BATCHES} median_us ${median.toFixed(3)}`);
}

function call(agent, method, path, body) {
  const endpoint = process.env.AWS_LAMBDA_RUNTIME_API;
  const colon = endpoint.lastIndexOf(':');
  const headers = body === undefined
    ? {}
    : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: endpoint.slice(0, colon), port: Number(endpoint.slice(colon + 1)), method, path, headers, agent },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function runtime(handler) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1, noDelay: true });
  for (;;) {
    const next = await call(agent, 'GET', `${API}/invocation/next`);
    if (next.status !== 200) throw new Error(`/next answered ${next.status}`);
    const requestId = next.headers['lambda-runtime-aws-request-id'];
    const context = contextFor(requestId, Number(next.headers['lambda-runtime-deadline-ms']),
                               next.headers['lambda-runtime-invoked-function-arn']);
    const answer = await handle(handler, next.body.toString('utf8'), context);
    await call(agent, 'POST', `${API}/invocation/${requestId}/response`, answer);
  }
}

// makeHandler: builds the app (at start-up, as a bootstrap's init does) and
// returns its Lambda handler, (event, context) => Promise<result>.
export async function main(name, makeHandler) {
  const [mode, path, n] = process.argv.slice(2);
  const inprocessArgs = mode === 'inprocess' && path && /^\d+$/.test(n || '') && Number(n) > BATCHES;
  if (!inprocessArgs && !(mode === 'runtime' && process.argv.length === 3)) {
    console.error(`usage: ${name} inprocess EVENT_FILE N | runtime`);
    process.exit(2);
  }
  const handler = await makeHandler();
  if (mode === 'runtime') await runtime(handler);
  else await inprocess(handler, path, Number(n));
}

// The fastify + @fastify/aws-lambda peer of the Lambda benchmark (usage in
// peer_node.mjs). GET /api/health answers {"status":"healthy"}.
import { main, requirePeer } from './peer_node.mjs';

const fastify = requirePeer('fastify');
const awsLambdaFastify = requirePeer('@fastify/aws-lambda');

await main('peer_fastify.mjs', async () => {
  const app = fastify();
  app.get('/api/health', async () => ({ status: 'healthy' }));
  const proxy = awsLambdaFastify(app);
  await app.ready();
  return proxy;
});

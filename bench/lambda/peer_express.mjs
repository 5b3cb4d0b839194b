// The express + serverless-http peer of the Lambda benchmark (usage in
// peer_node.mjs). GET /api/health answers {"status":"healthy"}.
import { main, requirePeer } from './peer_node.mjs';

const express = requirePeer('express');
const serverless = requirePeer('serverless-http');

await main('peer_express.mjs', async () => {
  const app = express();
  app.get('/api/health', (req, res) => res.json({ status: 'healthy' }));
  return serverless(app);
});

/** The /metrics baseline: node:http answering every GET with the bytes of a file, read once. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const body = readFileSync(process.argv[2]);
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ listening: `http://127.0.0.1:${(server.address() as { port: number }).port}/` })}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

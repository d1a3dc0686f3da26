/**
 * The demo's update server on 127.0.0.1: whole files, byte ranges as apply's resume asks for
 * them (and as RFC 9110 defines the rest), nothing outside its directory, and `publish`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { parseByteRange } from '../../src/demo/byteRange.js';
import { serveDir } from '../../src/demo/staticServer.js';
import { tmpDir } from '../helpers/tmp.js';

interface Got { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

function get(url: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Got> {
  return new Promise((resolve, reject) => {
    // A raw path, so that "/../" reaches the server as sent.
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

function site(): { a: string; b: string } {
  const root = tmpDir('ksu-static-');
  const a = join(root, 'a'), b = join(root, 'b');
  mkdirSync(a);
  mkdirSync(b);
  writeFileSync(join(a, 'vmlinuz'), bytes);
  writeFileSync(join(a, 'latest.json'), '{"version":"v1"}\n');
  writeFileSync(join(b, 'latest.json'), '{"version":"v2"}\n');
  writeFileSync(join(root, 'secret'), 'outside');
  return { a, b };
}

test('parseByteRange: open, closed, suffix, past the end, and what is ignored', () => {
  assert.equal(parseByteRange('bytes=100-', 1000), { start: 100, end: 999 });
  assert.equal(parseByteRange('bytes=0-9', 1000), { start: 0, end: 9 });
  assert.equal(parseByteRange('bytes=990-2000', 1000), { start: 990, end: 999 });
  assert.equal(parseByteRange('bytes=-10', 1000), { start: 990, end: 999 });
  assert.equal(parseByteRange('bytes=-5000', 1000), { start: 0, end: 999 });
  assert.is(parseByteRange('bytes=1000-', 1000), 'unsatisfiable');
  assert.is(parseByteRange('bytes=-0', 1000), 'unsatisfiable');
  for (const h of [undefined, '', 'bytes=-', 'bytes=5-3', 'bytes=0-1,5-6', 'items=0-1']) assert.is(parseByteRange(h, 1000), null, String(h));
});

test('serves whole files (200) and a range (206 with Content-Range), HEAD without a body', async () => {
  const { a } = site();
  const srv = await serveDir(a);
  try {
    let r = await get(srv.url, '/vmlinuz');
    assert.equal([r.status, r.headers['content-length'], r.headers['accept-ranges']], [200, '1000', 'bytes']);
    assert.ok(r.body.equals(bytes));
    r = await get(srv.url, '/vmlinuz', { range: 'bytes=600-' });
    assert.equal([r.status, r.headers['content-range'], r.headers['content-length']], [206, 'bytes 600-999/1000', '400']);
    assert.ok(r.body.equals(bytes.subarray(600)));
    r = await get(srv.url, '/vmlinuz', { range: 'bytes=1000-' });
    assert.equal([r.status, r.headers['content-range']], [416, 'bytes */1000']);
    r = await get(srv.url, '/vmlinuz', {}, 'HEAD');
    assert.equal([r.status, r.headers['content-length'], r.body.length], [200, '1000', 0]);
    assert.is((await get(srv.url, '/vmlinuz', {}, 'POST')).status, 405);
  } finally {
    await srv.close();
  }
});

test('nothing outside the directory, no directories, no bad escapes; publish swaps what is served', async () => {
  const { a, b } = site();
  const srv = await serveDir(a);
  try {
    for (const p of ['/../secret', '/%2e%2e/secret', '/', '/missing', '/%E0%A4%A']) assert.is((await get(srv.url, p)).status, 404, p);
    assert.is((await get(srv.url, '/latest.json')).body.toString(), '{"version":"v1"}\n');
    srv.publish(b);
    assert.is((await get(srv.url, '/latest.json')).body.toString(), '{"version":"v2"}\n');
    assert.is((await get(srv.url, '/vmlinuz')).status, 404);
  } finally {
    await srv.close();
  }
});

test.run();

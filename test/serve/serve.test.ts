/**
 * `serve` as a real process on 127.0.0.1: every endpoint answers what the CLI answers, the
 * in-memory projections advance when other processes append, /events delivers each event once
 * and in order, bad requests get 4xx and the server lives on, SIGTERM ends it with exit 0.
 */
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, cliSync } from '../helpers/cli.js';
import { eventually, sleep } from '../helpers/child.js';
import { get, startServe } from '../helpers/serveProcess.js';
import { sse } from '../helpers/sseClient.js';
import { tmpDir } from '../helpers/tmp.js';

const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

test('every endpoint answers what the CLI answers; bad requests get 4xx; SIGTERM exits 0', async () => {
  const dir = tmpDir();
  cliSync(['--data-dir', dir, 'note', 'before serve']);
  const s = await startServe(['--data-dir', dir]);
  try {
    const status = await get(`${s.url}status`);
    assert.is(status.status, 200);
    const cliStatus = JSON.parse(cliSync(['--data-dir', dir, 'status', '--json']).stdout);
    assert.equal(JSON.parse(status.body), cliStatus);
    const history = await get(`${s.url}history?limit=5`);
    assert.equal(JSON.parse(history.body), JSON.parse(cliSync(['--data-dir', dir, 'history', '--json', '--limit', '5']).stdout));
    const metrics = await get(`${s.url}metrics`);
    assert.is(metrics.type, 'text/plain; version=0.0.4; charset=utf-8');
    assert.is(metrics.body, cliSync(['--data-dir', dir, 'metrics']).stdout);
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: metrics.body, encoding: 'utf8' });
    if (promtool.error) assert.not.ok(process.env.CI, 'CI must have promtool');
    else assert.is(promtool.status, 0, promtool.stdout + promtool.stderr);
    assert.equal(JSON.parse((await get(`${s.url}healthz`)).body), { ok: true, seq: 1 });

    for (const [path, code] of [['nope', 404], ['history?limit=0', 400], ['history?limit=abc', 400], ['events?since=-1', 400], ['history?attempt=X1', 404], ['%zz', 404]] as const) {
      const r = await get(`${s.url}${path}`);
      assert.is(r.status, code, path);
      assert.ok(JSON.parse(r.body).error, path);
    }
    assert.is((await get(`${s.url}metrics`, { method: 'POST', body: 'x' })).status, 405);
    // A request line no HTTP parser accepts: answered 400 at the socket, the server lives on.
    const raw = await new Promise<string>((resolve) => {
      import('node:net').then(({ connect }) => {
        const u = new URL(s.url);
        const sock = connect(Number(u.port), u.hostname, () => sock.write('GARBAGE\0\r\n\r\n'));
        let got = '';
        sock.on('data', (d) => { got += d; });
        sock.on('close', () => resolve(got));
      });
    });
    assert.match(raw, /^HTTP\/1\.1 400/);
    assert.is((await get(`${s.url}healthz`)).status, 200);
  } finally {
    assert.is(await s.stop(), 0, s.stderr());
  }
  assert.not.match(s.stderr(), /at .*\.js:\d+/, 'no stack trace');
});

test('the projections advance as another process appends: no restart, no replay per request', async () => {
  const dir = tmpDir();
  const s = await startServe(['--data-dir', dir]);
  try {
    const before = sample((await get(`${s.url}metrics`)).body, 'kubesolo_update_log_last_seq');
    assert.is(before, 0);
    for (let i = 1; i <= 3; i++) {
      assert.is((await cli(['--data-dir', dir, 'note', `n${i}`])).code, 0);
      await eventually(`seq ${i} in /metrics`, async () => sample((await get(`${s.url}metrics`)).body, 'kubesolo_update_log_last_seq') === i ? true : undefined);
    }
    const events = sample((await get(`${s.url}metrics`)).body, 'kubesolo_update_events_total{type="OperatorNote"}');
    assert.is(events, 3);
    assert.is(JSON.parse((await get(`${s.url}status`)).body).log.seq, 3);
  } finally {
    assert.is(await s.stop(), 0, s.stderr());
  }
});

test('/events: 5 concurrent CLI writers, every event delivered once and in order; ?since replays', async () => {
  const dir = tmpDir();
  cliSync(['--data-dir', dir, 'note', 'old']);
  const s = await startServe(['--data-dir', dir]);
  const live = sse(`${s.url}events`);
  const replay = sse(`${s.url}events?since=0&type=OperatorNote`);
  try {
    assert.is(await live.opened, 200);
    assert.is(await replay.opened, 200);
    const writers = 5;
    const each = 8;
    await Promise.all(Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; i < each; i++) {
        const r = await cli(['--data-dir', dir, '--wait', '60', 'note', `w${w}-${i}`]);
        assert.is(r.code, 0, r.stderr);
      }
    }));
    const total = writers * each;
    await eventually('every event on /events', () => (live.messages.length >= total && replay.messages.length >= total + 1 ? true : undefined));
    await sleep(600); // a duplicate would arrive within a few polls
    const ids = live.messages.map((m) => m.id);
    assert.equal(ids, Array.from({ length: total }, (_, i) => i + 2), 'seq 2.. in order, each once');
    const texts = live.messages.map((m) => JSON.parse(m.data).data.text).sort();
    assert.equal(texts, Array.from({ length: writers }, (_, w) => Array.from({ length: each }, (_, i) => `w${w}-${i}`)).flat().sort());
    assert.equal(replay.messages.map((m) => m.id), Array.from({ length: total + 1 }, (_, i) => i + 1));
    // The data lines are the CLI's own event lines.
    assert.equal(live.messages.map((m) => m.data), cliSync(['--data-dir', dir, 'events', '--since', '1']).stdout.trim().split('\n'));
  } finally {
    live.close();
    replay.close();
    assert.is(await s.stop(), 0, s.stderr());
  }
});

test('--listen: a bad address exits 2 naming the flag; a taken port exits 1 naming it', async () => {
  const dir = tmpDir();
  const bad = cliSync(['--data-dir', dir, 'serve', '--listen', 'localhost']);
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /--listen takes ADDR:PORT/);
  const s = await startServe(['--data-dir', dir]);
  try {
    const taken = cliSync(['--data-dir', dir, 'serve', '--listen', new URL(s.url).host]);
    assert.is(taken.code, 1);
    assert.match(taken.stderr, /the address is in use/);
    assert.is(taken.stderr.trim().split('\n').length, 1);
  } finally {
    await s.stop();
  }
});

test.run();

/**
 * A real Prometheus (Debian package) scrapes a real `serve`: all nine phases come back through
 * its query API, and the phase it stores changes after `apply` in another process appends.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli } from '../helpers/cli.js';
import { eventually } from '../helpers/child.js';
import { publisher } from '../helpers/publisher.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { startServe } from '../helpers/serveProcess.js';
import { tmpDir } from '../helpers/tmp.js';
import { serve as serveRelease } from '../helpers/updateServer.js';

const PHASES = ['idle', 'checking', 'downloading', 'staged', 'activated', 'verifying', 'success', 'rolled_back', 'failed'];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Series { metric: Record<string, string>; value: [number, string] }

async function query(prom: string, q: string): Promise<Series[]> {
  const r = await fetch(`${prom}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = await r.json() as { status: string; data: { result: Series[] } };
  assert.is(body.status, 'success');
  return body.data.result;
}

const phaseNow = async (prom: string) => {
  const rows = await query(prom, 'kubesolo_update_phase == 1');
  return rows.length === 1 ? rows[0].metric.phase : undefined;
};

test('prometheus scrapes serve: nine phases, and the stored phase follows a CLI command in another process', async () => {
  if (spawnSync('prometheus', ['--version']).error) {
    assert.not.ok(process.env.CI, 'CI must have prometheus (.ci/run installs the prometheus package)');
    console.log('    (skipped: no prometheus; apt-get install prometheus)');
    return;
  }
  const pub = publisher(64 * 1024, 256 * 1024);
  const release = pub.release('v110', 'v1.1.0');
  const releases = await serveRelease(release);
  const sb = makeSandbox();
  const agent = await startServe(['--root', sb.root]);
  const work = tmpDir('ksu-prom-');
  const port = await freePort();
  const prom = `http://127.0.0.1:${port}`;
  writeFileSync(join(work, 'prometheus.yml'), [
    'global: { scrape_interval: 1s, evaluation_interval: 1s }',
    'scrape_configs:',
    '  - job_name: kubesolo-update',
    `    static_configs: [{ targets: ['${new URL(agent.url).host}'] }]`,
    '',
  ].join('\n'));
  let promErr = '';
  const p: ChildProcess = spawn('prometheus', [
    `--config.file=${join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${join(work, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr!.on('data', (d) => { promErr = (promErr + d).slice(-4000); });
  const promExit = new Promise((r) => p.on('close', r));
  try {
    await eventually('prometheus ready', async () => ((await fetch(`${prom}/-/ready`)).ok ? true : undefined), 30_000, 250);
    const up = await eventually('a successful scrape', async () => {
      const rows = await query(prom, 'up{job="kubesolo-update"}');
      return rows.length === 1 && rows[0].value[1] === '1' ? rows : undefined;
    }, 30_000, 250);
    assert.is(up.length, 1);
    const phases = await eventually('nine phase series', async () => {
      const rows = await query(prom, 'kubesolo_update_phase');
      return rows.length === 9 ? rows : undefined;
    }, 30_000, 250);
    assert.equal(phases.map((r) => r.metric.phase).sort(), [...PHASES].sort());
    assert.is(await phaseNow(prom), 'idle');

    const r = await cli(['--root', sb.root, 'apply', '--server', releases.url, '--pubkey', pub.pub]);
    assert.is(r.code, 0, r.stderr);
    assert.is(await eventually('phase staged in prometheus', async () => ((await phaseNow(prom)) === 'staged' ? 'staged' : undefined), 30_000, 250), 'staged');
    const started = await query(prom, 'kubesolo_update_attempts_started_total');
    assert.is(started[0]?.value[1], '1');
  } catch (err) {
    throw new Error(`${(err as Error).message}\nprometheus stderr (tail): ${promErr}\nserve stderr: ${agent.stderr()}`);
  } finally {
    p.kill('SIGTERM');
    await promExit;
    assert.is(await agent.stop(), 0);
    await releases.close();
  }
});

test.run();

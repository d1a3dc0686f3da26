/**
 * `serve` on a 1,000,000-event log: /metrics latency under 50 concurrent keep-alive clients
 * against a same-run baseline (a bare node:http server answering the same bytes), and serve's
 * resident memory after that load against the bare server's and against serve on an empty log.
 * The log is served as a node has it, with the checkpoint its last writer left; and once without
 * (a whole replay at start, as after the checkpoint was lost), whose memory is shown apart.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkpointPath, loadProjections, saveProjections } from '../../src/persist/store.js';
import { startServe, type ServeProcess } from '../helpers/serveProcess.js';
import { load } from './httpLoad.js';
import { haveWrk, wrkLatency } from './wrk.js';
import { percentile, row, type BenchRow } from './report.js';

const STATIC = fileURLToPath(new URL('./staticServer.js', import.meta.url));
const CLIENTS = 50;
const REQUESTS = 20_000;

const memKiB = (pid: number, field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);

async function staticServer(file: string): Promise<{ url: string; pid: number; stop(): void }> {
  const child = spawn(process.execPath, [STATIC, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(JSON.parse(String(d)).listening)));
  return { url, pid: child.pid!, stop: () => child.kill('SIGTERM') };
}

/** wrk when installed; else a Node loop, whose own tail latency on a small machine shows in both sides. */
const CLIENT = haveWrk() ? 'wrk' : 'a Node client loop';

async function measure(url: string): Promise<{ p50: number; p99: number }> {
  if (CLIENT === 'wrk') {
    wrkLatency(url, CLIENTS, 2); // warm-up: JIT, connections
    return wrkLatency(url, CLIENTS, 10);
  }
  await load(url, CLIENTS, 2_000);
  const l = await load(url, CLIENTS, REQUESTS);
  return { p50: percentile(l, 50), p99: percentile(l, 99) };
}

export async function serveBench(bigDataDir: string, emptyDataDir: string, total: number): Promise<BenchRow[]> {
  mkdirSync(emptyDataDir, { recursive: true });
  const cp = checkpointPath(bigDataDir);
  if (!existsSync(cp)) saveProjections(bigDataDir, join(bigDataDir, 'state.json'), loadProjections(bigDataDir), 0);
  // serve reads the checkpoint only while it starts: one without it, then it is put back.
  renameSync(cp, `${cp}.aside`);
  let replayed: ServeProcess;
  try {
    replayed = await startServe(['--data-dir', bigDataDir]);
  } finally {
    renameSync(`${cp}.aside`, cp);
  }
  const big = await startServe(['--data-dir', bigDataDir]);
  const empty = await startServe(['--data-dir', emptyDataDir]);
  try {
    const text = await (await fetch(`${big.url}metrics`)).text();
    if (!text.includes(`kubesolo_update_log_last_seq ${total}`)) throw new Error('serve did not load the whole log');
    const bodyFile = join(emptyDataDir, 'metrics.prom');
    writeFileSync(bodyFile, text);
    const base = await staticServer(bodyFile);
    let served: { p50: number; p99: number };
    let baseline: { p50: number; p99: number };
    let baseRss: number;
    try {
      baseline = await measure(`${base.url}metrics`);
      served = await measure(`${big.url}metrics`);
      baseRss = memKiB(base.pid, 'VmRSS');
    } finally {
      base.stop();
    }
    await measure(`${empty.url}metrics`);
    await measure(`${replayed.url}metrics`);
    const label = `${total.toLocaleString('en-US')}-event log`;
    return [
      row(`serve /metrics p50, ${CLIENTS} concurrent clients (${CLIENT}), ${label} vs bare node:http serving the same bytes`, served.p50, 'ms', baseline.p50, 'info'),
      row(`serve /metrics p99, ${CLIENTS} concurrent clients (${CLIENT}), ${label} vs bare node:http serving the same bytes`, served.p99, 'ms', baseline.p99, 'value <= 5'),
      row(`serve resident memory after the load, ${label} vs bare node:http after the same load`, memKiB(big.child.pid!, 'VmRSS') / 1024, 'MiB', baseRss / 1024, 'ratio <= 1.3'),
      row(`serve resident memory after the load, ${label} replayed whole at start (no checkpoint) vs bare node:http`, memKiB(replayed.child.pid!, 'VmRSS') / 1024, 'MiB', baseRss / 1024, 'info'),
      row(`serve resident memory after the load, empty log vs bare node:http after the same load`, memKiB(empty.child.pid!, 'VmRSS') / 1024, 'MiB', baseRss / 1024, 'ratio <= 1.3'),
      row(`serve resident memory after the load, ${label} vs empty log`, memKiB(big.child.pid!, 'VmRSS') / 1024, 'MiB', memKiB(empty.child.pid!, 'VmRSS') / 1024, 'info'),
      row(`serve peak memory (VmHWM, includes loading the log), ${label} vs empty log`, memKiB(big.child.pid!, 'VmHWM') / 1024, 'MiB', memKiB(empty.child.pid!, 'VmHWM') / 1024, 'info'),
    ];
  } finally {
    await big.stop();
    await empty.stop();
    await replayed.stop();
  }
}

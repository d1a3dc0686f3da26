/**
 * apply of a 1 GiB artifact from a local server against a same-run baseline that streams the
 * same URL through SHA-256 into a file (throughput ratio), and apply's peak RSS for a 64 MiB and
 * a 1 GiB artifact (bounded memory: the two should match).
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSandbox } from '../helpers/sandbox.js';
import { serve } from '../helpers/updateServer.js';
import { row, type BenchRow } from './report.js';

export const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const BASELINE = fileURLToPath(new URL('./streamBaseline.js', import.meta.url));
const RSS = fileURLToPath(new URL('./reportRss.js', import.meta.url));
const now = () => Number(process.hrtime.bigint()) / 1e6;
const ROUNDS = 5;
export const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function writeFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE(i * 2654435761 >>> 0, i);
  for (let at = 0; at < bytes; at += chunk.length) writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - at), at);
  closeSync(fd);
}

export function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ ms: number; code: number | null; out: string }> {
  const t = now();
  return new Promise((resolve) => {
    const c = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.stderr.on('data', (d) => { out += d; });
    c.on('close', (code) => resolve({ ms: now() - t, code, out }));
  });
}

export async function applyBench(dir: string): Promise<BenchRow[]> {
  const sizes = { small: 64 * 1024 * 1024, big: 1024 * 1024 * 1024 };
  await run([CLI, 'keygen', '--out', join(dir, 'keys')]);
  writeFile(join(dir, 'kernel'), 1024 * 1024);
  const results: Record<string, { ms: number; rssKiB: number }> = {};
  let baselineMs = 0;
  for (const [name, bytes] of Object.entries(sizes)) {
    writeFile(join(dir, `initramfs-${name}`), bytes);
    const rel = join(dir, `rel-${name}`);
    const r = await run([CLI, 'release', '--version', 'v9.0.0', '--kernel', join(dir, 'kernel'), '--initramfs', join(dir, `initramfs-${name}`), '--key', join(dir, 'keys/update.key'), '--out', rel]);
    if (r.code !== 0) throw new Error(r.out);
    const srv = await serve(rel);
    try {
      // Alternate baseline and apply so page-cache and disk state favour neither; both write a
      // fresh file, and each run starts with no dirty pages or pending frees from the one before.
      const applyMs: number[] = [];
      const baseMs: number[] = [];
      const rssKiB: number[] = [];
      let lastSandbox: string | null = null;
      for (let round = 0; round < ROUNDS; round++) {
        const out = join(dir, 'baseline.out');
        rmSync(out, { force: true });
        execFileSync('sync');
        if (name === 'big') baseMs.push((await run([BASELINE, `${srv.url}kubesolo-os.gz`, out])).ms);
        rmSync(out, { force: true });
        if (lastSandbox) rmSync(lastSandbox, { recursive: true, force: true });
        execFileSync('sync');
        const sb = makeSandbox();
        lastSandbox = sb.root;
        const rssOut = join(dir, `rss-${name}`);
        const a = await run(['--import', RSS, CLI, '--root', sb.root, 'apply', '--server', srv.url, '--pubkey', join(dir, 'keys/update.pub')], { RSS_OUT: rssOut });
        if (a.code !== 0) throw new Error(`apply failed: ${a.out}`);
        applyMs.push(a.ms);
        rssKiB.push(Number(readFileSync(rssOut, 'utf8')));
        results[name] = { ms: median(applyMs), rssKiB: median(rssKiB) };
      }
      if (name === 'big') baselineMs = median(baseMs);
    } finally {
      await srv.close();
    }
  }
  const mbps = (ms: number) => sizes.big / 1048576 / (ms / 1000);
  return [
    row('apply of a 1 GiB artifact (whole process, median of 5) vs streaming it through SHA-256 to a file (median of 5, interleaved)', mbps(results.big.ms), 'MiB/s', mbps(baselineMs), 'ratio >= 0.9'),
    row('apply peak RSS (median of 5), 1 GiB artifact vs 64 MiB artifact', results.big.rssKiB / 1024, 'MiB', results.small.rssKiB / 1024, 'ratio <= 1.1'),
  ];
}

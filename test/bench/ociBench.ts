/**
 * apply of the same release from a real local registry (Debian's docker-registry, pushed with
 * `release --push`) against a same-run baseline: apply of the same bytes over plain HTTP from
 * the `release --out` directory of the same `release` run (throughput ratio, registry ÷ HTTP).
 * Both through the real CLI into a fresh sandbox node, both with --pubkey, so the registry path
 * also reads the signed statement under its own tag. One untimed run of each first, then
 * alternating rounds (registry first in even rounds, HTTP first in odd ones); medians.
 * Without docker-registry the row says so and is skipped.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { haveRegistryTools, startRegistry } from '../helpers/registry.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { serve } from '../helpers/updateServer.js';
import { CLI, median, run, writeFile } from './applyBench.js';
import { row, type BenchRow } from './report.js';

const ROUNDS = 9;
const KERNEL = 1024 * 1024;
const INITRAMFS = 48 * 1024 * 1024;
const NAME = `apply of a ${(KERNEL + INITRAMFS) / 1048576} MiB artifact from a local registry (docker-registry, release --push, --pubkey; median of ${ROUNDS}) vs over HTTP from release --out (--pubkey; median of ${ROUNDS}, alternating); ratio = registry MiB/s ÷ HTTP MiB/s`;

export async function ociBench(dir: string): Promise<BenchRow[]> {
  if (haveRegistryTools().includes('docker-registry')) return [row(`${NAME}: skipped, this machine lacks docker-registry`, NaN, 'MiB/s', null, 'skipped')];
  const keys = join(dir, 'keys');
  const k = await run([CLI, 'keygen', '--out', keys]);
  if (k.code !== 0) throw new Error(k.out);
  writeFile(join(dir, 'kernel'), KERNEL);
  writeFile(join(dir, 'initramfs'), INITRAMFS);
  const reg = await startRegistry('open');
  const rel = join(dir, 'rel');
  try {
    const r = await run([CLI, 'release', '--version', 'v9.0.0', '--kernel', join(dir, 'kernel'), '--initramfs', join(dir, 'initramfs'), '--key', join(keys, 'update.key'),
      '--out', rel, '--push', `${reg.host}/kubesolo/os:stable`, '--plain-http']);
    if (r.code !== 0) throw new Error(`release failed: ${r.out}`);
    const srv = await serve(rel);
    try {
      const from = {
        registry: ['--registry', `${reg.host}/kubesolo/os`, '--tag', 'stable', '--plain-http'],
        http: ['--server', srv.url],
      };
      const ms = { registry: [] as number[], http: [] as number[] };
      const apply = async (via: keyof typeof from) => {
        execFileSync('sync');
        const sb = makeSandbox();
        try {
          const a = await run([CLI, '--root', sb.root, 'apply', ...from[via], '--pubkey', join(keys, 'update.pub')]);
          if (a.code !== 0) throw new Error(`apply (${via}) failed: ${a.out}`);
          return a.ms;
        } finally {
          rmSync(sb.root, { recursive: true, force: true });
        }
      };
      await apply('registry');
      await apply('http');
      for (let round = 0; round < ROUNDS; round++) {
        for (const via of round % 2 === 0 ? ['registry', 'http'] as const : ['http', 'registry'] as const) ms[via].push(await apply(via));
      }
      if (process.env.BENCH_OCI_RUNS) process.stderr.write(`oci bench runs (ms): ${JSON.stringify(ms)}\n`);
      const mbps = (t: number) => (KERNEL + INITRAMFS) / 1048576 / (t / 1000);
      return [row(NAME, mbps(median(ms.registry)), 'MiB/s', mbps(median(ms.http)), 'ratio >= 0.9')];
    } finally {
      await srv.close();
    }
  } finally {
    await reg.close();
  }
}

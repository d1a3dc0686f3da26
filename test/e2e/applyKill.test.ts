/**
 * kill -9 at random moments during the apply of a 200 MB release: the next apply records the
 * interrupted attempt, resumes with Range from the last durable DownloadProgress, and ends
 * Staged with correct hashes; the active slot is never touched, and a torn slot never has a
 * version file (so it is never bootable).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, cli, cliSync } from '../helpers/cli.js';
import { sleep } from '../helpers/child.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { serve } from '../helpers/updateServer.js';
import { tmpDir } from '../helpers/tmp.js';

const ITERATIONS = Number(process.env.APPLY_KILLS ?? 30);
const SIZE = Number(process.env.APPLY_BYTES ?? 200 * 1024 * 1024);

test(`${ITERATIONS} SIGKILLs during a ${SIZE >> 20} MB apply: resumed with Range, staged with correct hashes`, async () => {
  const work = tmpDir('ksu-kill-apply-');
  cliSync(['keygen', '--out', join(work, 'keys')]);
  const big = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i += 4096) big.writeUInt32LE(i, i);
  writeFileSync(join(work, 'initramfs'), big);
  writeFileSync(join(work, 'kernel'), Buffer.alloc(2 * 1024 * 1024, 3));
  const want = createHash('sha256').update(big).digest('hex');
  const rel = join(work, 'rel');
  assert.is(cliSync(['release', '--version', 'v2.0.0', '--kernel', join(work, 'kernel'), '--initramfs', join(work, 'initramfs'), '--key', join(work, 'keys/update.key'), '--out', rel]).code, 0);
  // A link slow enough that a run lives through a few durable checkpoints (every 10 %) before it dies.
  const srv = await serve(rel, {}, { bytesPerSecond: 40 * 1024 * 1024 });
  const sb = makeSandbox();
  const slotA = () => readdirSync(join(sb.root, 'slots/A')).map((f) => readFileSync(join(sb.root, 'slots/A', f)).toString('base64')).join();
  const aBefore = slotA();
  let seed = 4242;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const args = ['--root', sb.root, 'apply', '--server', srv.url, '--pubkey', join(work, 'keys/update.pub')];
  let finishedEarly = 0;
  let kills = 0;
  try {
    for (let i = 0; i < ITERATIONS; i++) {
      const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
      const exited = new Promise((r) => child.on('close', r));
      await sleep(100 + Math.floor(rnd() * 800));
      if (child.exitCode !== null) finishedEarly++;
      else kills++;
      child.kill('SIGKILL');
      await exited;
      assert.equal(slotA(), aBefore, `iteration ${i}: the active slot changed`);
      const staged = cliSync(['--root', sb.root, 'events', '--type', 'Staged']).stdout.trim();
      if (!staged) assert.not.ok(existsSync(join(sb.root, 'slots/B/version')), `iteration ${i}: a torn slot has a version file`);
      else break;
    }
    // Async: the server lives in this process, so a synchronous spawn would starve it.
    const r = await cli(args);
    assert.is(r.code, 0, r.stderr);
    const events = cliSync(['--root', sb.root, 'events']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const interrupted = events.filter((e) => e.type === 'AttemptFailed' && e.data.step === 'interrupted').length;
    const resumed = events.filter((e) => e.type === 'DownloadStarted' && e.data.resumeFrom > 0).length;
    const staged = events.filter((e) => e.type === 'Staged');
    assert.is(staged.length, 1);
    assert.is(staged[0].data.artifacts.find((a: { name: string }) => a.name === 'kubesolo-os.gz').sha256, want);
    assert.is(createHash('sha256').update(readFileSync(join(sb.root, 'slots/B/kubesolo-os.gz'))).digest('hex'), want);
    assert.equal(slotA(), aBefore);
    assert.ok(interrupted > 0, 'interrupted attempts were recorded');
    assert.ok(resumed > 0, 'downloads resumed with Range');
    console.log(`    (${kills} kills; ${interrupted} interrupted attempts recorded, ${resumed} resumed downloads, ${finishedEarly} runs ended before their kill)`);
  } finally {
    await srv.close();
  }
});

test.run();

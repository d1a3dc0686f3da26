/**
 * kill -9 at varied moments during the apply of a 200 MB release: the next apply records the
 * interrupted attempt, resumes with Range from the last durable DownloadProgress, and ends
 * Staged with correct hashes; the active slot is never touched, and a torn slot never has a
 * version file (so it is never bootable).
 *
 * Each kill is scheduled from what the run has been seen to do (its events in the log), never
 * from wall time: on a busy machine a run may need seconds to start, and a kill at a fixed
 * 100–900 ms would then never land after a durable checkpoint.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogCursor } from '../../events/cursor.js';
import type { StoredEvent } from '../../events/types.js';
import { CLI, cli, cliSync } from '../helpers/cli.js';
import { sleep } from '../helpers/child.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { serve } from '../helpers/updateServer.js';
import { tmpDir } from '../helpers/tmp.js';

const ITERATIONS = Number(process.env.APPLY_KILLS ?? 30);
const SIZE = Number(process.env.APPLY_BYTES ?? 200 * 1024 * 1024);
const BIG = 'kubesolo-os.gz';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Where a run is killed, judged from its own events: as soon as it has started an attempt; as
 * soon as it has started downloading the big artifact; or after its first or second durable
 * checkpoint of that artifact (then what it has written since is torn, and the next run resumes
 * from the checkpoint with Range).
 */
type KillAt = 'attempt' | 'download' | 'checkpoint-1' | 'checkpoint-2';
const KILLS: KillAt[] = ['checkpoint-1', 'attempt', 'checkpoint-2', 'download', 'checkpoint-1', 'checkpoint-2'];

function reached(at: KillAt, run: StoredEvent[]): boolean {
  const big = (e: StoredEvent) => (e.data as { artifact?: string }).artifact === BIG;
  switch (at) {
    case 'attempt': return run.some((e) => e.type === 'AttemptStarted');
    case 'download': return run.some((e) => e.type === 'DownloadStarted' && big(e));
    case 'checkpoint-1': return run.filter((e) => e.type === 'DownloadProgress' && big(e)).length >= 1;
    case 'checkpoint-2': return run.filter((e) => e.type === 'DownloadProgress' && big(e)).length >= 2;
  }
}

test(`${ITERATIONS} SIGKILLs during a ${SIZE >> 20} MB apply: resumed with Range, staged with correct hashes`, async () => {
  const work = tmpDir('ksu-kill-apply-');
  cliSync(['keygen', '--out', join(work, 'keys')]);
  const big = Buffer.alloc(SIZE);
  for (let i = 0; i < SIZE; i += 4096) big.writeUInt32LE(i, i);
  writeFileSync(join(work, 'initramfs'), big);
  writeFileSync(join(work, 'kernel'), Buffer.alloc(2 * 1024 * 1024, 3));
  const want = sha256(big);
  const kernelHash = sha256(Buffer.alloc(2 * 1024 * 1024, 3));
  const rel = join(work, 'rel');
  assert.is(cliSync(['release', '--version', 'v2.0.0', '--kernel', join(work, 'kernel'), '--initramfs', join(work, 'initramfs'), '--key', join(work, 'keys/update.key'), '--out', rel]).code, 0);
  // A link slow enough that a run lives through a few durable checkpoints (every 10 %) before it dies.
  const srv = await serve(rel, {}, { bytesPerSecond: 40 * 1024 * 1024 });
  const sb = makeSandbox();
  const slotA = () => readdirSync(join(sb.root, 'slots/A')).map((f) => readFileSync(join(sb.root, 'slots/A', f)).toString('base64')).join();
  const aBefore = slotA();
  const args = ['--root', sb.root, 'apply', '--server', srv.url, '--pubkey', join(work, 'keys/update.pub')];
  // The log as it grows, read the way any reader reads it (no lock), polled while a run lives.
  const log = new LogCursor(join(sb.dataDir, 'events'));
  let finishedEarly = 0;
  let kills = 0;
  let afterCheckpoint = 0;
  try {
    for (let i = 0; i < ITERATIONS; i++) {
      log.poll(); // what earlier runs wrote is not this run's
      const at = KILLS[i % KILLS.length];
      const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
      let done = false;
      const exited = new Promise((r) => child.on('close', () => { done = true; r(undefined); }));
      const run: StoredEvent[] = [];
      // Polling is how the test sees the run's progress; its period decides nothing.
      while (!done && !reached(at, run)) {
        await sleep(5);
        run.push(...log.poll());
      }
      if (done) finishedEarly++;
      else {
        kills++;
        if (at.startsWith('checkpoint')) afterCheckpoint++;
      }
      child.kill('SIGKILL');
      await exited;
      assert.equal(slotA(), aBefore, `iteration ${i}: the active slot changed`);
      const staged = cliSync(['--root', sb.root, 'events', '--type', 'Staged']).stdout.trim();
      if (staged) break;
      // A version file makes the slot bootable: it may only be there over complete, verified
      // artifacts (a kill between writing it and recording Staged leaves exactly that).
      if (existsSync(join(sb.root, 'slots/B/version'))) {
        for (const [name, hash] of [[BIG, want], ['vmlinuz', kernelHash]]) {
          assert.is(sha256(readFileSync(join(sb.root, 'slots/B', name))), hash, `iteration ${i}: a torn slot has a version file (${name})`);
        }
      }
    }
    assert.ok(afterCheckpoint > 0, 'some kill landed after a durable checkpoint');
    // Async: the server lives in this process, so a synchronous spawn would starve it.
    const r = await cli(args);
    assert.is(r.code, 0, r.stderr);
    const events = cliSync(['--root', sb.root, 'events']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const interrupted = events.filter((e) => e.type === 'AttemptFailed' && e.data.step === 'interrupted').length;
    const resumed = events.filter((e) => e.type === 'DownloadStarted' && e.data.resumeFrom > 0).length;
    const staged = events.filter((e) => e.type === 'Staged');
    assert.is(staged.length, 1);
    assert.is(staged[0].data.artifacts.find((a: { name: string }) => a.name === 'kubesolo-os.gz').sha256, want);
    assert.is(sha256(readFileSync(join(sb.root, 'slots/B', BIG))), want);
    assert.equal(slotA(), aBefore);
    assert.ok(interrupted > 0, 'interrupted attempts were recorded');
    assert.ok(resumed > 0, 'downloads resumed with Range');
    console.log(`    (${kills} kills, ${afterCheckpoint} after a durable checkpoint; ${interrupted} interrupted attempts recorded, ${resumed} resumed downloads, ${finishedEarly} runs ended before their kill)`);
  } finally {
    await srv.close();
  }
});

test.run();

/**
 * Twenty processes at once, mixing every kind of command a node sees — apply, activate,
 * healthcheck, rollback and note (writers, --wait 0), status and history (readers) and scrapes of
 * a running `serve` — over a node that is really being updated. Writers either do their work or
 * exit 75 with the holder named; readers and scrapes never fail; every note acknowledged (exit 0)
 * is in the log exactly once; the log verifies; state.json equals a rebuild; GRUB points at a
 * complete image.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli } from '../helpers/cli.js';
import { publisher } from '../helpers/publisher.js';
import { assertStateMatchesRebuild } from '../helpers/invariants.js';
import { env, makeSandbox } from '../helpers/sandbox.js';
import { startServe } from '../helpers/serveProcess.js';
import { serve } from '../helpers/updateServer.js';

const WORKERS = 20;
const ROUNDS = 6;
const BUSY = /^kubesolo-update: \w+: the log is locked by pid \d+ /;

test(`${WORKERS} processes mixing writers, readers and serve scrapes`, async () => {
  const pub = publisher(16 * 1024, 64 * 1024);
  pub.release('rel-1', 'v1.1.0');
  const releases = await serve(pub.work);
  const sb = makeSandbox();
  const agent = await startServe(['--root', sb.root]);
  const server = ['--server', `${releases.url}rel-1/`, '--pubkey', pub.pub];
  // Exit codes each writer may give besides 75: refusals (3) are the node's state speaking.
  const writers: Array<{ args: string[]; ok: number[] }> = [
    { args: ['apply', ...server], ok: [0, 3] },
    { args: ['activate'], ok: [0, 3] },
    { args: ['healthcheck', '--checks', 'disk-writable', '--timeout', '2'], ok: [0] },
    { args: ['rollback', '--reason', 'concurrency test'], ok: [0, 3] },
  ];
  const acknowledged: string[] = [];
  // An installed node's data directory exists before any command runs; without this a reader
  // that wins the race to the first writer is (rightly) told the directory does not exist.
  const first = await cli(['--root', sb.root, 'note', 'before the storm']);
  assert.is(first.code, 0, first.stderr);
  acknowledged.push('before the storm');
  const counts = { ok: 0, busy: 0, reads: 0, scrapes: 0 };
  let seed = 99;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  try {
    await Promise.all(Array.from({ length: WORKERS }, async (_, w) => {
      for (let round = 0; round < ROUNDS; round++) {
        const pick = Math.floor(rnd() * 8);
        if (pick < 4) {
          const { args, ok } = writers[pick];
          const r = await cli(['--root', sb.root, '--wait', '0', ...args]);
          if (r.code === 75) { assert.match(r.stderr, BUSY); counts.busy++; continue; }
          assert.ok(ok.includes(r.code!), `${args[0]} exited ${r.code}: ${r.stderr}`);
          counts.ok++;
        } else if (pick === 4) {
          const text = `w${w}-r${round}`;
          const r = await cli(['--root', sb.root, '--wait', '0', 'note', text]);
          if (r.code === 75) { assert.match(r.stderr, BUSY); counts.busy++; continue; }
          assert.is(r.code, 0, r.stderr);
          acknowledged.push(text);
          counts.ok++;
        } else if (pick < 7) {
          const r = await cli(['--root', sb.root, pick === 5 ? 'status' : 'history', '--json']);
          assert.is(r.code, 0, r.stderr);
          JSON.parse(r.stdout);
          counts.reads++;
        } else {
          for (const path of ['metrics', 'status', 'history', 'healthz']) {
            const res = await fetch(`${agent.url}${path}`);
            assert.is(res.status, 200, path);
            await res.text();
          }
          counts.scrapes++;
        }
      }
    }));
    const notes = (await cli(['--root', sb.root, 'events', '--type', 'OperatorNote'])).stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).data.text);
    assert.equal(notes.slice().sort(), acknowledged.slice().sort(), 'every acknowledged note exactly once, nothing else');
    assert.is((await cli(['--root', sb.root, 'verify'])).code, 0);
    await assertStateMatchesRebuild(sb, 'after the storm');
    assert.ok(existsSync(join(sb.root, 'slots', env(sb).active_slot, 'version')), 'GRUB points at a complete image');
    // serve followed every writer: within some polls its last seq is the log's (bounded loosely:
    // on a busy machine a poll period can stretch to seconds).
    const seq = JSON.parse((await cli(['--root', sb.root, 'status', '--json'])).stdout).log.seq;
    let last = -1;
    for (let i = 0; i < 600 && last !== seq; i++) {
      last = Number(/kubesolo_update_log_last_seq (\d+)/.exec(await (await fetch(`${agent.url}metrics`)).text())![1]);
      if (last !== seq) await new Promise((r) => setTimeout(r, 100));
    }
    assert.is(last, seq, 'serve caught up with the log');
    assert.ok(counts.busy > 0 && counts.ok > 0, `the mix really contended: ${JSON.stringify(counts)}`);
    console.log(`    (${JSON.stringify(counts)})`);
  } finally {
    assert.is(await agent.stop(), 0);
    await releases.close();
  }
});

test.run();

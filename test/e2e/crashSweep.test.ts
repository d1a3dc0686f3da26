/**
 * The crash sweep: a scripted lifecycle (three releases: one verified, one rolled back
 * automatically after a failed health check, one activated and then cancelled by a manual
 * rollback) is run once cleanly, then once per named crash point, SIGKILLed at the Nth pass of
 * it. After each kill the step is run again, as an operator or a timer would, and the script goes
 * on. Invariants: GRUB never points at a slot without a complete image of a release we published
 * (checked at the moment of death too, since that is what a power cut would boot); every event a
 * reader saw at the moment of death is still there after recovery; `verify` is clean; state.json
 * equals what `rebuild` folds from the log; every attempt ends in a definite outcome; and the node
 * ends exactly where the clean run ended. Reboots run the proven TypeScript model of ab-select.cfg.
 * The rotation and repair points, which a short lifecycle never reaches, are killed directly.
 */
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, type CliResult } from '../helpers/cli.js';
import { publisher } from '../helpers/publisher.js';
import { assertBootsPublished, assertStateMatchesRebuild, sha256, slotHashes, type Published } from '../helpers/invariants.js';
import { makeSandbox, reboot, type Sandbox } from '../helpers/sandbox.js';
import { serve, type TestServer } from '../helpers/updateServer.js';
import { spawnHelper, type Helper } from '../helpers/child.js';
import { tmpDir } from '../helpers/tmp.js';
import { EventLog } from '../../events/log.js';

/** Points of rotation and repair: the lifecycle never fills an 8 MiB segment or leaves a torn
 * tail on its own, so the second test below drives them directly. */
const LOG_POINTS = ['log.rotate.after-tmp', 'log.rotate.after-rename', 'log.repair.after-copy', 'log.repair.after-truncate'];

type Step = { reboot: true } | { deleteGrubenv: true } | { args: string[]; server?: number };

const PASS = ['healthcheck', '--checks', 'disk-writable', '--timeout', '2'];
const FAIL = ['healthcheck', '--checks', 'command', '--check-command', 'false', '--timeout', '1', '--auto-rollback-after', '1'];
const SCRIPT: Step[] = [
  { args: ['apply'], server: 0 }, { args: ['activate'] }, { reboot: true }, { args: PASS },
  { args: ['apply'], server: 1 }, { args: ['activate'] }, { reboot: true }, { args: FAIL }, { reboot: true }, { args: PASS },
  { args: ['apply'], server: 2 }, { args: ['activate'] }, { args: ['rollback', '--reason', 'changed my mind'] },
  // An operator loses grubenv; bootenv init writes it again from what the log knows.
  { deleteGrubenv: true }, { args: ['bootenv', 'init'] },
  { args: ['note', 'done'] },
];

/** Every crash point compiled into the agent, read from the built sources. */
function allCrashPoints(): string[] {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const f of readdirSync(dir, { withFileTypes: true })) {
      if (f.isDirectory()) walk(join(dir, f.name));
      else if (f.name.endsWith('.js')) for (const m of readFileSync(join(dir, f.name), 'utf8').matchAll(/crashPoint\(['`]([^'`]+)['`]/g)) names.add(m[1]);
    }
  };
  for (const d of ['src', 'events']) walk(join(root, d));
  // atomicWrite names its points after the file: one pair each for the checkpoint and state.json.
  names.delete('persist.${basename(path)}.after-tmp');
  names.delete('persist.${basename(path)}.after-rename');
  for (const f of ['checkpoint', 'state.json']) for (const s of ['after-tmp', 'after-rename']) names.add(`persist.${f}.${s}`);
  return [...names].sort();
}

interface World { servers: TestServer[]; pub: string; published: Published }

const ksu = (sb: Sandbox, args: string[], crash?: string): Promise<CliResult> =>
  cli(['--root', sb.root, ...args], crash ? { KUBESOLO_UPDATE_CRASH: crash } : {});

const eventLines = async (sb: Sandbox) => (await ksu(sb, ['events'])).stdout.trim().split('\n').filter(Boolean);

function argsOf(step: Extract<Step, { args: string[] }>, w: World): string[] {
  return step.server === undefined ? step.args : [...step.args, '--server', w.servers[step.server].url, '--pubkey', w.pub];
}

interface RunResult { crashed: boolean; final: unknown }

async function runScript(w: World, crash: string | null): Promise<RunResult> {
  const sb = makeSandbox();
  let crashed = false;
  for (const [i, step] of SCRIPT.entries()) {
    if ('reboot' in step) { reboot(sb, null); continue; }
    if ('deleteGrubenv' in step) { rmSync(sb.grubenv); continue; }
    const args = argsOf(step, w);
    const r = await ksu(sb, args, crashed ? undefined : crash ?? undefined);
    if (r.signal !== 'SIGKILL') {
      assert.ok(r.code === 0 || (step.args === FAIL && r.code === 1), `step ${i} ${args[0]} (${crash}): exit ${r.code}: ${r.stderr}`);
      continue;
    }
    crashed = true;
    const when = `${crash} in step ${i} (${args[0]})`;
    assertBootsPublished(sb, w.published, `${when}, at the moment of death`);
    const seen = await eventLines(sb);
    // The step again, as the operator or the timer would run it.
    const again = await ksu(sb, args);
    assert.ok(again.code === 0 || (step.args === FAIL && again.code === 1), `${when}: the rerun exited ${again.code}: ${again.stderr}`);
    assert.not.match(again.stderr, /\n\s+at /, `${when}: a stack trace`);
    const after = await eventLines(sb);
    assert.equal(after.slice(0, seen.length), seen, `${when}: events seen before recovery are gone or changed`);
    assert.is((await ksu(sb, ['verify'])).code, 0, `${when}: verify`);
    assertBootsPublished(sb, w.published, `${when}, after recovery`);
    await assertStateMatchesRebuild(sb, when);
  }
  assert.is((await ksu(sb, ['verify'])).code, 0, `${crash}: verify at the end`);
  assertBootsPublished(sb, w.published, `${crash}: at the end`);
  await assertStateMatchesRebuild(sb, `${crash}: at the end`);
  const history = JSON.parse((await ksu(sb, ['history', '--json'])).stdout).attempts as Array<{ id: string; outcome: string; to_version: string }>;
  for (const a of history) assert.ok(['success', 'rolled_back', 'failed'].includes(a.outcome), `${crash}: attempt ${a.id} ended ${a.outcome}`);
  const status = JSON.parse((await ksu(sb, ['status', '--json'])).stdout);
  // Where the node ends: slots, grubenv, phase, and the last word of each version's attempts.
  const lastOutcome: Record<string, string> = {};
  for (const a of [...history].reverse()) lastOutcome[a.to_version] = a.outcome;
  return { crashed, final: { slots: status.slots, boot: status.boot, phase: status.state.phase, lastOutcome } };
}

async function world(): Promise<World> {
  const pub = publisher(32 * 1024, 200 * 1024);
  const published: Published = new Map([['v1.0.0', slotHashes(join(makeSandbox().root, 'slots/A'))]]);
  const servers: TestServer[] = [];
  for (const [i, v] of ['v1.1.0', 'v1.2.0', 'v1.3.0'].entries()) {
    const kernel = Buffer.alloc(32 * 1024, 11 + i);
    const initramfs = Buffer.alloc(200 * 1024, 21 + i);
    writeFileSync(join(pub.work, 'kernel'), kernel);
    writeFileSync(join(pub.work, 'initramfs'), initramfs);
    published.set(v, new Map([['vmlinuz', sha256(kernel)], ['kubesolo-os.gz', sha256(initramfs)]]));
    servers.push(await serve(pub.release(`rel-${v}`, v)));
  }
  return { servers, pub: pub.pub, published };
}

test('every named crash point, then recovery: the invariants hold and the node ends where a clean run ends', async () => {
  const w = await world();
  try {
    const clean = await runScript(w, null);
    const points = allCrashPoints();
    const sweep = points.filter((p) => !LOG_POINTS.includes(p));
    // Log points at several appends across the script; apply and activate at the first and the
    // third attempt (the second passes are where the other points already kill).
    const passes = (p: string) => (p.startsWith('log.') ? [1, 13, 47] : /^(apply|activate)\./.test(p) ? [1, 3] : [1]);
    const cases = sweep.flatMap((p) => passes(p).map((n) => `${p}:${n}`));
    const hit = new Set<string>();
    let next = 0;
    // Three lifecycles at a time: each is a chain of processes, mostly waiting on fsync.
    await Promise.all([0, 1, 2].map(async () => {
      while (next < cases.length) {
        const c = cases[next++];
        const r = await runScript(w, c);
        if (!r.crashed) continue;
        hit.add(c.split(':')[0]);
        assert.equal(r.final, clean.final, `${c}: the node did not end where the clean run ended`);
      }
    }));
    const missed = sweep.filter((p) => !hit.has(p));
    assert.equal(missed, [], 'crash points the script never reached');
    console.log(`    (${cases.length} runs, ${hit.size} points hit: ${[...hit].join(', ')}; ${LOG_POINTS.length} more in the next test)`);
  } finally {
    for (const s of w.servers) await s.close();
  }
});

test('rotation and repair crash points: killed there, the next writer recovers; acknowledged events kept, verify clean', async () => {
  assert.equal(allCrashPoints().filter((p) => LOG_POINTS.includes(p)).sort(), [...LOG_POINTS].sort(), 'the points exist');
  for (const point of LOG_POINTS) {
    const dir = tmpDir('ksu-sweep-log-');
    const acked: string[] = [];
    const ack = (h: Helper) => { for (const l of h.lines) if (l.startsWith('acked ')) acked.push(l); };
    // Small segments rotate every few appends; a repair needs a torn tail first.
    let segment = '4096';
    if (point.startsWith('log.repair')) {
      segment = '1048576';
      const torn = spawnHelper('appender', [dir, segment, '20', '1'], { KUBESOLO_UPDATE_CRASH: 'log.torn-write:5' });
      assert.is((await torn.exited).signal, 'SIGKILL');
      ack(torn);
    }
    const killed = spawnHelper('appender', [dir, segment, '200', '2'], { KUBESOLO_UPDATE_CRASH: `${point}:1` });
    assert.is((await killed.exited).signal, 'SIGKILL', `${point}: the appender was not killed there: ${killed.stderr()}`);
    ack(killed);
    const next = spawnHelper('appender', [dir, segment, '10', '3']);
    assert.is((await next.exited).code, 0, `${point}: the next writer: ${next.stderr()}`);
    ack(next);
    const log = await EventLog.open(dir, { writer: false });
    const seqs: number[] = [];
    for await (const e of log.read()) seqs.push(e.seq);
    const report = log.verify();
    await log.close();
    assert.ok(report.ok, `${point}: ${JSON.stringify(report.problems.slice(0, 2))}`);
    assert.equal(seqs, seqs.map((_, i) => i + 1), `${point}: contiguous`);
    const last = Math.max(...acked.map((l) => Number(l.split(' ')[2])));
    assert.ok(seqs.length >= last, `${point}: acknowledged seq ${last} lost (log ends at ${seqs.length})`);
  }
});

test.run();

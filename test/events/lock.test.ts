/** The single-writer lock with real processes: takeover rules, waiting, compromise. */
import { appendFileSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readBootId } from '../../events/bootId.js';
import { LockHeldError, LogError } from '../../events/errors.js';
import { takeoverReason, startTicks } from '../../events/lock.js';
import { EventLog } from '../../events/log.js';
import { spawnHelper, sleep } from '../helpers/child.js';
import { tmpDir } from '../helpers/tmp.js';
import { statSync } from 'node:fs';

const BOOT = readBootId() ?? 'unknown';
const PIDNS = statSync('/proc/self/ns/pid').ino;
const note = (text: string) => [{ type: 'OperatorNote' as const, data: { text } }];

function fakeLock(dataDir: string, owner: Record<string, unknown> | null, ageMs = 0): void {
  const lock = join(dataDir, 'lock');
  mkdirSync(lock, { recursive: true });
  if (owner) writeFileSync(join(lock, 'owner.json'), JSON.stringify(owner));
  const t = new Date(Date.now() - ageMs);
  utimesSync(lock, t, t);
}

test('takeover rules: earlier boot, or a dead pid in our pid namespace; nothing else', () => {
  const me = { bootId: 'boot-1', pidNs: 7 };
  assert.ok(takeoverReason({ pid: process.pid, bootId: 'boot-0', pidNs: 7 }, me));
  assert.ok(takeoverReason({ pid: 2 ** 22 + 17, bootId: 'boot-1', pidNs: 7 }, me), 'no such pid');
  assert.is(takeoverReason({ pid: process.pid, bootId: 'boot-1', pidNs: 7, startTicks: startTicks(process.pid) }, me), null, 'alive');
  assert.ok(takeoverReason({ pid: process.pid, bootId: 'boot-1', pidNs: 7, startTicks: 1 }, me), 'pid reused by another process');
  assert.is(takeoverReason({ pid: 2 ** 22 + 17, bootId: 'boot-1', pidNs: 8 }, me), null, 'another pid namespace (a CronJob pod) never looks dead');
  assert.is(takeoverReason(null, me), null, 'no owner file: wait for staleness');
});

test('a lock left by a SIGKILLed writer is taken over at once', async () => {
  const dir = tmpDir();
  const h = spawnHelper('holdLock', [dir]);
  await h.ready;
  h.child.kill('SIGKILL');
  await h.exited;
  assert.ok(readFileSync(join(dir, 'lock', 'owner.json'), 'utf8').includes(`"pid":${h.child.pid}`), 'the dead lock is still there');
  const started = Date.now();
  const log = await EventLog.open(dir, { writer: true, waitMs: 0 });
  const tookMs = Date.now() - started;
  await log.append(note('after the crash'));
  await log.close();
  console.log(`    (takeover after SIGKILL: ${tookMs} ms)`);
});

test('a live holder: writers fail at once with its pid and command, or wait for it', async () => {
  const dir = tmpDir();
  const h = spawnHelper('holdLock', [dir, 'kubesolo-update apply']);
  await h.ready;
  let err: unknown;
  try { await EventLog.open(dir, { writer: true, waitMs: 0 }); } catch (e) { err = e; }
  assert.instance(err, LockHeldError);
  assert.is((err as LogError).code, 'LOCK_HELD');
  assert.match((err as Error).message, `pid ${h.child.pid} (kubesolo-update apply)`);
  setTimeout(() => h.child.kill('SIGTERM'), 300);
  const log = await EventLog.open(dir, { writer: true, waitMs: 10_000 });
  await log.append(note('waited'));
  await log.close();
  await h.exited;
});

test('a lock from an earlier boot is taken over at once, even with a live pid', async () => {
  const dir = tmpDir();
  fakeLock(dir, { pid: process.ppid, pidNs: PIDNS, bootId: 'an-earlier-boot', command: 'old' });
  const log = await EventLog.open(dir, { writer: true, waitMs: 0 });
  await log.close();
});

test('a dead pid in another pid namespace waits for staleness', async () => {
  const dir = tmpDir();
  fakeLock(dir, { pid: 2 ** 22 + 17, pidNs: PIDNS + 1, bootId: BOOT, command: 'cronjob' });
  let err: unknown;
  try { await EventLog.open(dir, { writer: true, waitMs: 300 }); } catch (e) { err = e; }
  assert.instance(err, LockHeldError);
  rmSync(join(dir, 'lock'), { recursive: true });
  fakeLock(dir, { pid: 2 ** 22 + 17, pidNs: PIDNS + 1, bootId: BOOT, command: 'cronjob' }, 60_000);
  const log = await EventLog.open(dir, { writer: true, waitMs: 0 });
  await log.close();
});

test('a heartbeat an hour in the future (the clock jumped back) counts as stale', async () => {
  const dir = tmpDir();
  fakeLock(dir, { pid: 2 ** 22 + 17, pidNs: PIDNS + 1, bootId: BOOT, command: 'cronjob' }, -3_600_000);
  const log = await EventLog.open(dir, { writer: true, waitMs: 0 });
  await log.close();
});

test('a lock directory with no owner file is someone mid-acquire: wait, then stale', async () => {
  const dir = tmpDir();
  fakeLock(dir, null);
  let err: unknown;
  try { await EventLog.open(dir, { writer: true, waitMs: 0 }); } catch (e) { err = e; }
  assert.match((err as Error).message, 'unknown process');
  rmSync(join(dir, 'lock'), { recursive: true });
  fakeLock(dir, null, 60_000);
  await (await EventLog.open(dir, { writer: true, waitMs: 0 })).close();
});

test('a holder killed between its mkdir and its owner file: taken over once the lock is 2 s old, or at once when its tmp owner names a dead pid', async () => {
  const dir = tmpDir();
  fakeLock(dir, null, 3_000);
  await (await EventLog.open(dir, { writer: true, waitMs: 0 })).close();
  // The tmp owner file was complete: the usual rules apply to it, without waiting.
  const dead = spawnHelper('holdLock', [tmpDir()]);
  dead.child.kill('SIGKILL');
  await dead.exited;
  fakeLock(dir, null);
  writeFileSync(join(dir, 'lock', 'owner.json.tmp'), JSON.stringify({ pid: dead.child.pid, pidNs: PIDNS, bootId: BOOT, nonce: 'n-dead' }));
  await (await EventLog.open(dir, { writer: true, waitMs: 0 })).close();
  // A fresh lock with nothing in it is still someone mid-acquire.
  fakeLock(dir, null);
  let err: unknown;
  try { await EventLog.open(dir, { writer: true, waitMs: 0 }); } catch (e) { err = e; }
  assert.instance(err, LockHeldError);
});

test('a lost lock stops appending and is reported once, never thrown from a timer', async () => {
  const dir = tmpDir();
  const lost: LogError[] = [];
  const log = await EventLog.open(dir, { writer: true, lockStaleMs: 2000, onLockLost: (e) => lost.push(e) });
  await log.append(note('before'));
  rmSync(join(dir, 'lock'), { recursive: true });
  let err: unknown;
  try { await log.append(note('after')); } catch (e) { err = e; }
  assert.is((err as LogError).code, 'LOCK_LOST', 'the owner check refuses at once');
  for (let i = 0; i < 40 && lost.length === 0; i++) await sleep(100);
  assert.is(lost.length, 1, 'the heartbeat noticed');
  assert.is(lost[0].code, 'LOCK_LOST');
  await log.close();
  const reader = await EventLog.open(dir, { writer: false });
  const texts: string[] = [];
  for await (const e of reader.read()) texts.push((e.data as { text: string }).text);
  assert.equal(texts, ['before']);
});

test('the owner file rewritten in place (same inode, same length, another nonce) is a lost lock', async () => {
  const dir = tmpDir();
  const log = await EventLog.open(dir, { writer: true });
  await log.append(note('ours'));
  const ownerFile = join(dir, 'lock', 'owner.json');
  const ours = readFileSync(ownerFile, 'utf8');
  const nonce = JSON.parse(ours).nonce as string;
  writeFileSync(ownerFile, ours.replace(nonce, nonce.replace(/./g, (c) => (c === 'a' ? 'b' : 'a'))));
  let err: unknown;
  try { await log.append(note('split brain')); } catch (e) { err = e; }
  assert.is((err as LogError).code, 'LOCK_LOST');
  await log.close();
});

test('the owner file with anything after our bytes is a lost lock', async () => {
  const dir = tmpDir();
  const log = await EventLog.open(dir, { writer: true });
  appendFileSync(join(dir, 'lock', 'owner.json'), ' ');
  let err: unknown;
  try { await log.append(note('after')); } catch (e) { err = e; }
  assert.is((err as LogError).code, 'LOCK_LOST');
  await log.close();
});

test('a lock taken over under us: the owner check refuses our next append', async () => {
  const dir = tmpDir();
  const log = await EventLog.open(dir, { writer: true });
  rmSync(join(dir, 'lock'), { recursive: true });
  fakeLock(dir, { pid: 1, bootId: BOOT, nonce: 'someone-else' });
  let err: unknown;
  try { await log.append(note('split brain')); } catch (e) { err = e; }
  assert.is((err as LogError).code, 'LOCK_LOST');
  await log.close();
});

test('readers take no lock and work while a writer holds it', async () => {
  const dir = tmpDir();
  const w = await EventLog.open(dir, { writer: true });
  await w.append(note('x'));
  const r = await EventLog.open(dir, { writer: false });
  let n = 0;
  for await (const _ of r.read()) n++;
  assert.is(n, 1);
  assert.ok(r.verify().ok);
  await w.close();
});

test.run();

/** The CLI as an operator meets it: spawned, real files, exit codes and one-line errors. */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, cliSync } from '../helpers/cli.js';
import { sleep } from '../helpers/child.js';
import { tmpDir } from '../helpers/tmp.js';

const FAIL_FDATASYNC = fileURLToPath(new URL('../helpers/failFdatasync.js', import.meta.url));
const eventsDir = (root: string) => join(root, 'var/lib/kubesolo/update/events');
const segPath = (root: string) => join(eventsDir(root), '00000000000000000001.seg');
const lines = (s: string) => s.split('\n').filter(Boolean);
const events = (root: string) => lines(cliSync(['--root', root, 'events']).stdout).map((l) => JSON.parse(l));

/** One line on stderr in the documented shape, and no stack trace. */
function oneLineError(stderr: string, command: string): void {
  const ls = lines(stderr);
  assert.is(ls.length, 1, stderr);
  assert.ok(ls[0].startsWith(`kubesolo-update: ${command}: `), ls[0]);
  assert.not.match(stderr, /\n\s+at /);
}

test('note then events in a --root sandbox (the README quick start)', () => {
  const root = tmpDir();
  let r = cliSync(['--root', root, 'note', 'replaced', 'disk']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim(), 'note recorded as event 1');
  r = cliSync(['note', '--root', root, '--json', 'second']);
  assert.is(r.code, 0, r.stderr);
  assert.equal(Object.keys(JSON.parse(r.stdout)), ['seq', 'head']);
  const evs = events(root);
  assert.equal(evs.map((e) => [e.seq, e.type, e.data.text]), [[1, 'OperatorNote', 'replaced disk'], [2, 'OperatorNote', 'second']]);
  assert.match(evs[0].at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('events --since and --type filter; --data-dir is taken as given', () => {
  const dir = tmpDir();
  for (const t of ['a', 'b', 'c']) assert.is(cliSync(['--data-dir', dir, 'note', t]).code, 0);
  const since = lines(cliSync(['--data-dir', dir, 'events', '--since', '1']).stdout).map((l) => JSON.parse(l).seq);
  assert.equal(since, [2, 3]);
  assert.is(cliSync(['--data-dir', dir, 'events', '--type', 'UpdateChecked']).stdout, '');
  assert.is(lines(cliSync(['--data-dir', dir, 'events', '--type', 'UpdateChecked,OperatorNote']).stdout).length, 3);
});

test('the boot id of a --root sandbox is stamped on its events', () => {
  const root = tmpDir();
  cliSync(['--root', root, 'note', 'x']);
  mkdirSync(join(root, 'proc/sys/kernel/random'), { recursive: true });
  writeFileSync(join(root, 'proc/sys/kernel/random/boot_id'), 'sandbox-boot-2\n');
  cliSync(['--root', root, 'note', 'y']);
  const evs = events(root);
  assert.is.not(evs[0].boot, 'sandbox-boot-2');
  assert.is(evs[1].boot, 'sandbox-boot-2');
});

test('usage errors exit 2 with one line and a pointer to --help', () => {
  const root = tmpDir();
  for (const args of [['bogus'], [], ['note'], ['note', '--follow', 'x'], ['events', '--since', 'abc'], ['--wait', '-1', 'note', 'x'], ['--nope']]) {
    const r = cliSync(['--root', root, ...args]);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.is(lines(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /^kubesolo-update: /);
  }
  const r = cliSync(['--root', root, '--json', 'bogus']);
  assert.equal(JSON.parse(r.stdout), { error: { code: 'USAGE', message: 'unknown command "bogus"; see \'kubesolo-update --help\'' } });
});

test('--help teaches: commands, global flags, exit codes, per-command help', () => {
  const r = cliSync(['--help']);
  assert.is(r.code, 0);
  for (const word of ['note', 'events', 'verify', '--root', '--wait', '--json', '75']) assert.ok(r.stdout.includes(word), word);
  const n = cliSync(['events', '--help']);
  assert.match(n.stdout, /--follow/);
});

test('verify: clean exits 0 with the head hash; a damaged record exits 1 naming segment and offset', () => {
  const root = tmpDir();
  for (let i = 0; i < 5; i++) cliSync(['--root', root, 'note', `n${i}`]);
  let r = cliSync(['--root', root, 'verify']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  const head = JSON.parse(cliSync(['--root', root, 'note', '--json', 'last']).stdout).head;
  r = cliSync(['--root', root, 'verify', '--json']);
  const report = JSON.parse(r.stdout);
  assert.is(report.head, head);
  assert.is(report.lastSeq, 6);
  const bytes = readFileSync(segPath(root));
  const at = bytes.indexOf('n2');
  bytes[at + 1] ^= 0x01;
  writeFileSync(segPath(root), bytes);
  r = cliSync(['--root', root, 'verify']);
  assert.is(r.code, 1);
  assert.match(r.stdout, /00000000000000000001\.seg at offset \d+: checksum mismatch/);
  oneLineError(r.stderr, 'verify');
  r = cliSync(['--root', root, 'verify', '--json']);
  assert.is(r.code, 1);
  const j = JSON.parse(r.stdout);
  assert.is(j.ok, false);
  assert.is(j.problems[0].reason, 'checksum mismatch');
  // Readers skip the damage with a warning and keep the rest.
  const ev = cliSync(['--root', root, 'events']);
  assert.is(ev.code, 0);
  assert.is(lines(ev.stdout).length, 5);
  assert.match(ev.stderr, /warning: corrupt log/);
});

test('the newest record edited with its CRC fixed up: the checkpoint catches what the chain cannot', async () => {
  const { FRAME_OVERHEAD, frameCrc } = await import('../../events/format.js');
  const root = tmpDir();
  for (const t of ['first', 'second', 'last!']) cliSync(['--root', root, 'note', t]);
  const bytes = readFileSync(segPath(root));
  const at = bytes.lastIndexOf('last!');
  bytes[at + 4] = '?'.charCodeAt(0);
  const start = bytes.lastIndexOf(Buffer.from([0xc1, 0x4b, 0x53, 0x55]));
  bytes.writeUInt32LE(frameCrc(bytes, start, bytes.length - start - FRAME_OVERHEAD), start + 4);
  writeFileSync(segPath(root), bytes);
  assert.is(events(root)[2].data.text, 'last?', 'the forged record reads as valid');
  const r = cliSync(['--root', root, 'verify']);
  assert.is(r.code, 1, r.stdout);
  assert.match(r.stdout, 'acknowledged events were edited or lost');
});

test('a torn tail: verify reports it without failing; the next writer quarantines it and records LogRepaired', () => {
  const root = tmpDir();
  cliSync(['--root', root, 'note', 'one']);
  appendFileSync(segPath(root), Buffer.from([0xc1, 0x4b, 0x53, 0x55, 0x40, 0, 0]));
  let r = cliSync(['--root', root, 'verify']);
  assert.is(r.code, 0);
  assert.match(r.stdout, /torn tail/);
  r = cliSync(['--root', root, 'note', 'two']);
  assert.is(r.code, 0, r.stderr);
  const evs = events(root);
  assert.equal(evs.map((e) => e.type), ['OperatorNote', 'LogRepaired', 'OperatorNote']);
  assert.is(evs[1].data.droppedBytes, 7);
  assert.is(readFileSync(join(eventsDir(root), 'quarantine', evs[1].data.quarantined)).length, 7);
  assert.is(cliSync(['--root', root, 'verify']).stdout.includes('torn tail'), false);
});

test('readers change nothing: events and verify leave every byte of a damaged log as it was', () => {
  const root = tmpDir();
  for (let i = 0; i < 3; i++) cliSync(['--root', root, 'note', `n${i}`]);
  appendFileSync(segPath(root), Buffer.from('torn'));
  const before = readFileSync(segPath(root));
  const listing = () => JSON.stringify(readdirSync(eventsDir(root), { recursive: true }).sort());
  const files = listing();
  assert.is(cliSync(['--root', root, 'events']).code, 0);
  assert.is(cliSync(['--root', root, 'verify']).code, 0);
  assert.ok(readFileSync(segPath(root)).equals(before));
  assert.is(listing(), files);
  assert.not.ok(readdirSync(join(root, 'var/lib/kubesolo/update')).includes('lock'), 'no lock taken');
});

test('garbage where the log should be: one clear line, never a stack trace', () => {
  const root = tmpDir();
  mkdirSync(eventsDir(root), { recursive: true });
  writeFileSync(segPath(root), 'this is not a log segment at all\n'.repeat(100));
  let r = cliSync(['--root', root, 'verify']);
  assert.is(r.code, 1);
  oneLineError(r.stderr, 'verify');
  r = cliSync(['--root', root, 'note', 'after garbage']);
  assert.is(r.code, 0, r.stderr);
  const evs = events(root);
  assert.equal(evs.map((e) => e.type), ['LogRepaired', 'OperatorNote']);
  assert.is(evs[0].data.reason, 'bad segment magic');
});

test('a data directory that is not a directory: exit 2 naming the path, for writers and readers', () => {
  const dir = tmpDir();
  const file = join(dir, 'not-a-dir');
  writeFileSync(file, 'x');
  for (const args of [['note', 'x'], ['events'], ['verify']]) {
    const r = cliSync(['--data-dir', file, ...args]);
    assert.is(r.code, 2, `${args[0]}: ${r.stderr}`);
    oneLineError(r.stderr, args[0]);
    assert.match(r.stderr, 'is not a directory (check --data-dir / --root)');
  }
});

test('a directory where a segment should be: readers report it and go on, the writer refuses with exit 74', () => {
  const dir = tmpDir();
  assert.is(cliSync(['--data-dir', dir, 'note', 'x']).code, 0);
  mkdirSync(join(dir, 'events', '00000000000000000099.seg'));
  const v = cliSync(['--data-dir', dir, 'verify']);
  assert.is(v.code, 1);
  assert.match(v.stdout, /00000000000000000099\.seg at offset 0: cannot read segment/);
  const e = cliSync(['--data-dir', dir, 'events']);
  assert.is(e.code, 0);
  assert.is(lines(e.stdout).length, 1);
  const n = cliSync(['--data-dir', dir, 'note', 'y']);
  assert.is(n.code, 74);
  oneLineError(n.stderr, 'note');
});

test('an fdatasync failure: the note is not acknowledged, exit 74; the next writer recovers a clean log', () => {
  const root = tmpDir();
  cliSync(['--root', root, 'note', 'before']);
  const r = cliSync(['--root', root, 'note', 'doomed'], {}, ['--import', FAIL_FDATASYNC]);
  assert.is(r.code, 74, r.stderr);
  assert.is(r.stdout, '', 'nothing acknowledged');
  oneLineError(r.stderr, 'note');
  assert.match(r.stderr, /fdatasync failed/);
  assert.is(cliSync(['--root', root, 'note', 'after']).code, 0);
  const v = cliSync(['--root', root, 'verify', '--json']);
  assert.is(v.code, 0);
  const texts = events(root).map((e) => e.data.text);
  assert.is(texts[0], 'before');
  assert.is(texts[texts.length - 1], 'after');
});

test('events --follow prints what another process appends, then stops on SIGTERM', async () => {
  const root = tmpDir();
  cliSync(['--root', root, 'note', 'first']);
  const { spawn } = await import('node:child_process');
  const { CLI } = await import('../helpers/cli.js');
  const child = spawn(process.execPath, [CLI, '--root', root, 'events', '--follow']);
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  for (let i = 0; i < 50 && !out.includes('first'); i++) await sleep(50);
  await cli(['--root', root, 'note', 'second']);
  for (let i = 0; i < 60 && !out.includes('second'); i++) await sleep(50);
  child.kill('SIGTERM');
  const code = await new Promise((res) => child.on('close', res));
  assert.is(code, 0);
  assert.equal(lines(out).map((l) => JSON.parse(l).data.text), ['first', 'second']);
});

test.run();

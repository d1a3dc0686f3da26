/**
 * The env block against the real grub-editenv (Debian grub-common): it lists exactly what we
 * wrote, we read exactly what it wrote, and the same sets give the same bytes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GRUBENV_SIZE, GrubenvError, emptyGrubenv, parseGrubenv, setAll, setGrubenv } from '../../src/boot/grubenv.js';
import { readGrubenvFile, writeGrubenvFile } from '../../src/boot/grubenvFile.js';
import { rng } from '../helpers/randomEvents.js';
import { tmpDir } from '../helpers/tmp.js';

const have = spawnSync('grub-editenv', ['--version']).status === 0;
const editenv = (...args: string[]) => {
  const r = spawnSync('grub-editenv', args, { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  return r.stdout;
};

function randomVars(seed: number): Array<[string, string]> {
  const r = rng(seed);
  const alphabet = 'abcXYZ019_=- .:/\\\n#!é';
  const n = 1 + r(8);
  const out: Array<[string, string]> = [];
  for (let i = 0; i < n; i++) {
    const name = ['active_slot', 'boot_counter', 'boot_success', 'saved_entry', 'kubesolo_debug', `k${r(50)}`][r(6)];
    let value = '';
    for (let k = r(20); k > 0; k--) value += alphabet[r(alphabet.length)];
    out.push([name, value]);
  }
  return out;
}

/** What grub-editenv list prints for these sets (later sets of a name win, first position kept). */
function expected(vars: Array<[string, string]>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of vars) m.set(k, v);
  return m;
}

if (!have) {
  test('grub-editenv interop (skipped)', () => {
    if (process.env.CI) assert.unreachable('CI must have grub-editenv (.ci/run installs grub-common)');
    console.log('    (skipped: no grub-editenv; apt-get install grub-common)');
  });
} else {
  test('an empty block is what grub-editenv create writes', () => {
    const f = join(tmpDir(), 'env');
    editenv(f, 'create');
    assert.ok(readFileSync(f).equals(emptyGrubenv()));
  });

  test('200 random key sets: identical bytes to grub-editenv set, and each lists what the other wrote', () => {
    const dir = tmpDir();
    for (let seed = 1; seed <= 200; seed++) {
      const vars = randomVars(seed);
      const theirs = join(dir, `theirs-${seed}`);
      editenv(theirs, 'create');
      for (const [k, v] of vars) editenv(theirs, 'set', `${k}=${v}`);
      let ours = emptyGrubenv();
      for (const [k, v] of vars) ours = setGrubenv(ours, k, v);
      const theirBytes = readFileSync(theirs);
      assert.ok(ours.equals(theirBytes), `seed ${seed}: bytes differ: ${JSON.stringify(vars)}\nours:   ${JSON.stringify(ours.toString('latin1').replace(/#+$/, ''))}\ntheirs: ${JSON.stringify(theirBytes.toString('latin1').replace(/#+$/, ''))}`);
      assert.equal(new Map(parseGrubenv(theirBytes)), expected(vars), `seed ${seed}: we read what grub-editenv wrote`);
      const mine = join(dir, `ours-${seed}`);
      writeFileSync(mine, ours);
      const listed = editenv(mine, 'list').split('\n').filter(Boolean);
      const names = [...expected(vars).keys()];
      assert.is(listed.length >= names.length, true);
      for (const [k, v] of expected(vars)) if (!v.includes('\n')) assert.ok(listed.includes(`${k}=${v}`), `seed ${seed}: grub-editenv lists ${k}`);
    }
  });

  test('unknown keys, their order and comments survive our writes', () => {
    const f = join(tmpDir(), 'env');
    editenv(f, 'create');
    editenv(f, 'set', 'saved_entry=KubeSolo OS (A)', 'zzz=1', 'active_slot=A');
    const before = parseGrubenv(readFileSync(f));
    writeGrubenvFile(f, setAll(readGrubenvFile(f), { active_slot: 'B', boot_counter: 3, boot_success: 0 }));
    assert.equal(editenv(f, 'list').trim().split('\n'), ['saved_entry=KubeSolo OS (A)', 'zzz=1', 'active_slot=B', 'boot_counter=3', 'boot_success=0']);
    assert.equal(before.map(([k]) => k), ['saved_entry', 'zzz', 'active_slot']);
  });
}

test('missing, short, oversized or garbage blocks are errors naming the file, never a silent reset', () => {
  const dir = tmpDir();
  const cases: Array<[string, Buffer | null, RegExp]> = [
    ['missing', null, /missing does not exist$/],
    ['short', emptyGrubenv().subarray(0, 1000), /short is 1000 bytes; a GRUB environment block is exactly 1024/],
    ['big', Buffer.concat([emptyGrubenv(), Buffer.from('#')]), /big is 1025 bytes/],
    ['garbage', Buffer.alloc(GRUBENV_SIZE, 0x41), /garbage is not a GRUB environment block/],
    ['noequals', Buffer.concat([Buffer.from('# GRUB Environment Block\nnonsense\n'), Buffer.alloc(GRUBENV_SIZE - 34, 0x23)]), /noequals: line at byte 25 .* is not name=value/],
    ['unpadded', Buffer.concat([Buffer.from('# GRUB Environment Block\na=1\n'), Buffer.alloc(GRUBENV_SIZE - 29, 0x41)]), /unpadded: the GRUB environment block is damaged/],
  ];
  for (const [name, bytes, message] of cases) {
    const f = join(dir, name);
    if (bytes) writeFileSync(f, bytes);
    let err: unknown;
    try { readGrubenvFile(f); } catch (e) { err = e; }
    assert.instance(err, GrubenvError, name);
    assert.match((err as Error).message, message, name);
    if (bytes) {
      assert.throws(() => writeGrubenvFile(f, emptyGrubenv()), (e: unknown) => e instanceof GrubenvError);
      assert.ok(readFileSync(f).equals(bytes), `${name}: left as it was`);
    }
  }
});

test('a value too big for the block is refused, and the block is unchanged', () => {
  const b = setGrubenv(emptyGrubenv(), 'a', 'x'.repeat(800));
  assert.throws(() => setGrubenv(b, 'b', 'y'.repeat(200)), /no room in the 1024-byte GRUB environment block to add b/);
  assert.throws(() => setGrubenv(b, 'a', 'x'.repeat(1000)), /no room/);
  assert.throws(() => setGrubenv(b, 'bad name', '1'), /not a GRUB variable name/);
});

test.run();

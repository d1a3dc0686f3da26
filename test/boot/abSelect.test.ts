/**
 * deploy/grub/ab-select.cfg in real GRUB (grub-emu) against its TypeScript model, over every
 * combination of the three variables (valid, missing and junk values), plus no block and a
 * garbage block: same slot booted, and the block left byte for byte as the model says.
 */
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { abSelect, abVarsOf, type AbVars } from '../../src/boot/abSelectModel.js';
import { GrubEmu, grubEmuUnavailable, AB_SELECT_CFG } from '../../src/boot/grubEmu.js';
import { GRUBENV_SIZE, emptyGrubenv, parseGrubenv, setAll } from '../../src/boot/grubenv.js';
import { tmpDir } from '../helpers/tmp.js';

const ACTIVE = ['A', 'B', null, 'C'];
const COUNTER = ['0', '1', '2', '3', null, '7', 'x'];
const SUCCESS = ['0', '1', null, '2'];
const MARKER = [null, '1', '0'];

function blockOf(v: AbVars): Buffer {
  const set: Record<string, string> = { saved_entry: 'kubesolo' };
  if (v.active_slot !== null) set.active_slot = v.active_slot;
  if (v.boot_counter !== null) set.boot_counter = v.boot_counter;
  if (v.boot_success !== null) set.boot_success = v.boot_success;
  if (v.ab_select_version != null) set.ab_select_version = v.ab_select_version;
  return setAll(emptyGrubenv(), set);
}

test('ab-select.cfg and grub.cfg pass grub-script-check', () => {
  for (const file of [AB_SELECT_CFG, AB_SELECT_CFG.replace(/ab-select\.cfg$/, 'grub.cfg')]) {
    const r = spawnSync('grub-script-check', [file], { encoding: 'utf8' });
    if (r.error) {
      if (process.env.CI) assert.unreachable('CI must have grub-script-check (grub-common)');
      return console.log('    (skipped: no grub-script-check)');
    }
    assert.is(r.status, 0, `${file}: ${r.stdout}${r.stderr}`);
  }
});

test('real GRUB and the TypeScript model agree on every env state, its ab_select_version mark included', () => {
  const why = grubEmuUnavailable();
  if (why) {
    if (process.env.CI) assert.unreachable(`CI must run grub-emu: ${why}`);
    return console.log(`    (skipped: ${why})`);
  }
  const states: Array<AbVars | null | 'garbage'> = [null, 'garbage'];
  for (const a of ACTIVE) for (const c of COUNTER) for (const s of SUCCESS) for (const m of MARKER) states.push({ active_slot: a, boot_counter: c, boot_success: s, ab_select_version: m });
  const blocks = states.map((s) => (s === null ? null : s === 'garbage' ? Buffer.alloc(GRUBENV_SIZE, 0x41) : blockOf(s)));
  const booted = new GrubEmu(tmpDir('ksu-grub-')).bootEach(blocks);
  for (const [i, s] of states.entries()) {
    const label = JSON.stringify(s);
    const model = abSelect(s === null || s === 'garbage' ? null : s);
    assert.is(booted[i].slot, model.slot, `${label}: slot`);
    if (blocks[i] === null) continue;
    const expected = model.saved ? setAll(blocks[i]!, model.saved) : blocks[i]!;
    assert.ok(booted[i].block!.equals(expected), `${label}: block after boot\nGRUB: ${JSON.stringify(s === 'garbage' ? 'garbage' : parseGrubenv(booted[i].block!))}\nmodel: ${JSON.stringify(model)}`);
  }
  console.log(`    (${states.length} env states booted in grub-emu)`);
});

test('a trial runs out after three unverified boots and falls back; a verified system never counts down', () => {
  const emu = (() => (grubEmuUnavailable() ? null : new GrubEmu(tmpDir('ksu-grub-'))))();
  let block = setAll(emptyGrubenv(), { active_slot: 'B', boot_counter: 3, boot_success: 0 });
  const slots: string[] = [];
  for (let boot = 0; boot < 5; boot++) {
    const model = abSelect(abVarsOf(new Map(parseGrubenv(block))));
    if (emu) {
      const [real] = emu.bootEach([block]);
      assert.is(real.slot, model.slot);
      block = real.block!;
    } else if (model.saved) block = setAll(block, model.saved);
    slots.push(model.slot);
  }
  assert.equal(slots, ['B', 'B', 'B', 'A', 'A'], 'three trial boots of B, then A for good');
  assert.equal(new Map(parseGrubenv(block)).get('boot_success'), '1');
  assert.equal(new Map(parseGrubenv(block)).get('ab_select_version'), '1', 'the script left its mark');
});

test('the mark is written once: a verified boot with it changes nothing, without it saves only the mark', () => {
  const verified = abSelect({ active_slot: 'A', boot_counter: '3', boot_success: '1', ab_select_version: '1' });
  assert.equal(verified, { slot: 'A', saved: null });
  assert.equal(abSelect({ active_slot: 'A', boot_counter: '3', boot_success: '1', ab_select_version: null }), { slot: 'A', saved: { ab_select_version: '1' } });
  assert.equal(abSelect({ active_slot: null, boot_counter: '3', boot_success: '1', ab_select_version: null }), { slot: 'A', saved: null }, 'no valid slot: nothing written, not even the mark');
});

test.run();

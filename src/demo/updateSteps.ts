/** The update steps an operator (or a timer) runs: check, apply, activate — each the real command. */
import { join } from 'node:path';
import type { Slot } from '../../events/types.js';
import { readBootedSlot } from '../boot/bootFacts.js';
import { other } from '../boot/slots.js';
import { ksu, type Demo } from './demoNode.js';
import { expectExit, expectThat } from './expect.js';
import { eventsOf, statusOf } from './logFacts.js';
import { grubVars } from './node.js';
import { ProgressView } from './progressView.js';

function bootedSlot(d: Demo): Slot {
  const slot = readBootedSlot(join(d.root, 'proc/cmdline'));
  expectThat(d.print, slot !== null, 'the kernel command line names no slot');
  return slot;
}

export async function checkStep(d: Demo, offered: string): Promise<void> {
  const r = await ksu(d, ['check']);
  // check records an UpdateChecked even when it fails: the newest one is this run's.
  const ev = (await eventsOf(d.root, 'UpdateChecked')).at(-1);
  const c = (ev?.data ?? {}) as { current?: string; latest?: string; available?: boolean; error?: string };
  d.print.step(`check: the update server offers ${c.latest ?? 'nothing'}, the node runs ${c.current ?? '?'}${c.available ? ': an update is available' : ''}`);
  d.print.command(['check']);
  d.print.output(r);
  expectExit(d.print, r, 0);
  expectThat(d.print, c.latest === offered && c.available === true, `expected ${offered} on offer as an update; the log recorded ${JSON.stringify(c)}`);
}

export async function applyStep(d: Demo, version: string): Promise<void> {
  const booted = bootedSlot(d);
  const passive = other(booted);
  d.print.step(`apply: download ${version} into the passive slot ${passive} while slot ${booted} keeps running; each file must match the SHA-256 in the signed latest.json`);
  const args = ['apply', '--progress', 'json'];
  d.print.command(args);
  const view = new ProgressView(d.print, d.tty);
  const r = await ksu(d, args, { onLine: (line) => view.show(line) });
  view.end();
  d.print.output(r, ProgressView.isProgress);
  expectExit(d.print, r, 0);
  const s = await statusOf(d.root);
  expectThat(d.print, s.state.phase === 'staged' && s.slots[passive].version === version,
    `expected ${version} staged in slot ${passive}; phase is ${s.state.phase}, slot ${passive} holds ${s.slots[passive].version}`);
}

/** Returns the boot tries GRUB was given. */
export async function activateStep(d: Demo): Promise<number> {
  const target = other(bootedSlot(d));
  const r = await ksu(d, ['activate']);
  const env = grubVars(d.root);
  d.print.step(`activate: GRUB will boot slot ${env.active_slot} next, on trial (${env.boot_counter} tries)`);
  d.print.command(['activate']);
  d.print.output(r);
  expectExit(d.print, r, 0);
  expectThat(d.print, env.active_slot === target && env.boot_success === 0 && env.boot_counter === 3,
    `expected grubenv active_slot=${target} boot_counter=3 boot_success=0; it has ${JSON.stringify(env)}`);
  return env.boot_counter;
}

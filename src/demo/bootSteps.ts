/**
 * What happens on the node itself: a reboot (GRUB picks the slot) and the health check the boot
 * runs. Each step says what GRUB and the agent did, from grubenv and the log as they are after it.
 */
import type { Slot } from '../../events/types.js';
import type { BootVars } from '../../events/types.js';
import { other } from '../boot/slots.js';
import { reboot, type Reboot } from './bootloader.js';
import { ksu, type Demo } from './demoNode.js';
import { expectExit, expectThat } from './expect.js';
import { eventsOf, statusOf, type LoggedEvent, type StatusJson } from './logFacts.js';
import { grubVars, slotVersionOf } from './node.js';

const vars = (e: BootVars) => `active_slot=${e.active_slot} boot_counter=${e.boot_counter} boot_success=${e.boot_success}`;

function describeBoot(b: Reboot, version: string | null): string {
  const v = version ?? 'no version';
  if (b.before.boot_success === 1) return `GRUB boots slot ${b.slot} (${v}), verified: nothing is counted`;
  if (b.slot === b.before.active_slot) return `GRUB boots slot ${b.slot} (${v}) on trial, boot_counter ${b.before.boot_counter} → ${b.after.boot_counter}`;
  return `boot_counter is ${b.before.boot_counter}: GRUB gives up on slot ${b.before.active_slot} and falls back to slot ${b.slot} (${v}), verified`;
}

export function rebootStep(d: Demo, expected: Slot): Reboot {
  const b = reboot(d.root, d.loader);
  d.print.step(`reboot: ${describeBoot(b, slotVersionOf(d.root, b.slot))}`);
  d.print.detail(`grubenv before: ${vars(b.before)}`);
  d.print.detail(`grubenv after:  ${vars(b.after)}`);
  d.print.detail(`kernel command line: kubesolo.slot=${b.slot}, a new boot id`);
  expectThat(d.print, b.slot === expected, `expected GRUB to boot slot ${expected}; it booted ${b.slot}`);
  return b;
}

export interface HealthExpect { pass: boolean; phase: string; failures?: number; rollbackBy?: string }

type RolledBack = { by: string; reason: string; fromSlot: Slot; toSlot: Slot };

/** What the healthcheck run did, in words, from the log and grubenv after it. */
function describeHealth(healthy: boolean, s: StatusJson, env: BootVars, hc: LoggedEvent | undefined, rb: RolledBack | undefined): string {
  const booted = s.slots.booted;
  const said: string[] = [];
  if (rb) said.push(`the agent finds GRUB went back from slot ${rb.fromSlot} to ${rb.toSlot} and records the rollback (by ${rb.by}: ${rb.reason})`);
  said.push(`${booted ? `${s.slots[booted].version ?? 'an unknown version'} on slot ${booted}` : 'the node (booted slot unknown)'} is ${healthy ? 'healthy' : 'unhealthy'}`);
  if (hc?.data.markedGood) {
    said.push(`marked good (boot_success=1): the update to ${s.state.to_version} succeeded`);
  } else if (hc?.type === 'HealthcheckFailed' && hc.attempt && booted) {
    const more = env.boot_counter ? `GRUB boots it ${env.boot_counter} more time${env.boot_counter > 1 ? 's' : ''}` : `GRUB falls back to slot ${other(booted)} at the next boot`;
    said.push(`failure ${hc.data.consecutiveFailures} on trial; ${more}`);
  } else if (!rb) {
    said.push('nothing is on trial, so nothing changes');
  }
  return said.join('; ');
}

export async function healthcheckStep(d: Demo, want: HealthExpect): Promise<void> {
  // The node has no Kubernetes here: a command stands in for the checks, passing or failing on purpose.
  const args = ['healthcheck', '--checks', 'command', '--check-command', want.pass ? 'true' : 'false', '--timeout', want.pass ? '10' : '1'];
  const r = await ksu(d, args);
  const s = await statusOf(d.root);
  // This run's outcome is the newest health check event; a rollback it recorded comes right before it.
  const recorded = await eventsOf(d.root, 'RolledBack,HealthcheckPassed,HealthcheckFailed');
  const hc = recorded.at(-1);
  const rb = recorded.at(-2)?.type === 'RolledBack' ? recorded.at(-2)!.data as RolledBack : undefined;
  d.print.step(`healthcheck: ${describeHealth(r.code === 0, s, grubVars(d.root), hc, rb)}`);
  d.print.command(args);
  d.print.output(r);
  expectExit(d.print, r, want.pass ? 0 : 1);
  expectThat(d.print, s.state.phase === want.phase, `expected phase ${want.phase}; it is ${s.state.phase}`);
  if (want.failures !== undefined) {
    expectThat(d.print, s.state.health_check_failures === want.failures, `expected ${want.failures} consecutive failure(s); the log counts ${s.state.health_check_failures}`);
  }
  if (want.rollbackBy) expectThat(d.print, rb?.by === want.rollbackBy, `expected a rollback by ${want.rollbackBy} recorded; got ${rb ? `one by ${rb.by}` : 'none'}`);
}

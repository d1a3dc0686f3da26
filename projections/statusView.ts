/**
 * `status --json` (DESIGN.md §4; a script contract: add keys, never rename) and its human form.
 * Pure: the live facts (booted slot, grubenv) come in as arguments; until boot control exists
 * they are null.
 */
import type { Slot } from '../events/types.js';
import { attemptJson, type AttemptJson } from './historyView.js';
import type { Projections } from './index.js';
import { isoTime } from './isoTime.js';
import { stateJson, type StateJson } from './stateFile.js';
import { unacceptedLosses } from './node.js';
import { lossJson, lossWarning, type LossJson } from './loss.js';

export interface BootFacts {
  booted: Slot | null;
  grubenv: { active_slot: string | null; boot_counter: number | null; boot_success: number | null } | null;
  /** The block's state (ok, incomplete, missing, unreadable) and the GRUB script's mark. */
  env?: { state: string; script: string | null };
  /** What an operator must see: a boot environment that cannot be trusted, a foreign GRUB script. */
  warnings?: string[];
}

export interface LogFacts {
  seq: number; head: string | null; segments: number; bytes: number;
  /** Before any writer has recorded it: why the log is behind its checkpoint (acknowledged events lost). */
  behind?: string | null;
}

export interface StatusJson {
  slots: { booted: Slot | null; active: string | null; passive: Slot | null; A: { version: string | null }; B: { version: string | null } };
  boot: { active_slot: string | null; boot_counter: number | null; boot_success: number | null };
  pending: { switch_to: string } | null;
  state: StateJson;
  last_attempt: AttemptJson | null;
  log: LogFacts;
  boot_env: { state: string; script: string | null };
  warnings: string[];
  /** Every lost log range (LogLost) and its acknowledgement. */
  log_losses: LossJson[];
}

/** What an operator must see about the log itself: losses nobody acknowledged, or one not yet recorded. */
function logWarnings(p: Projections, log: LogFacts): string[] {
  const open = unacceptedLosses(p.node);
  const out = open.map(lossWarning);
  if (log.behind && open.length === 0) out.push(`${log.behind}; the next writer command records the loss (LogLost)`);
  return out;
}

export function statusJson(p: Projections, boot: BootFacts, log: LogFacts, now: number): StatusJson {
  const env = boot.grubenv ?? { active_slot: null, boot_counter: null, boot_success: null };
  const passive: Slot | null = boot.booted === null ? null : boot.booted === 'A' ? 'B' : 'A';
  const pending = boot.booted && env.active_slot && env.active_slot !== boot.booted ? { switch_to: env.active_slot } : null;
  const last = p.history.attempts[p.history.attempts.length - 1];
  return {
    slots: { booted: boot.booted, active: env.active_slot, passive, A: { ...p.node.slots.A }, B: { ...p.node.slots.B } },
    boot: { ...env },
    pending,
    state: stateJson(p.lifecycle, p.node.lastEventAt ?? now, isoTime),
    last_attempt: last ? attemptJson(last) : null,
    log,
    boot_env: boot.env ?? { state: boot.grubenv ? 'ok' : 'unreadable', script: null },
    warnings: [...logWarnings(p, log), ...(boot.warnings ?? [])],
    log_losses: p.node.losses.map(lossJson),
  };
}

const orDash = (v: unknown) => (v === null || v === undefined || v === '' ? '-' : String(v));

function slotLine(s: StatusJson, slot: Slot): string {
  const tags = [s.slots.booted === slot ? 'booted' : '', s.slots.active === slot ? 'active in grubenv' : ''].filter(Boolean);
  return `  ${slot}: ${orDash(s.slots[slot].version)}${tags.length ? `  (${tags.join(', ')})` : ''}`;
}

export function statusText(s: StatusJson): string {
  const lines = [
    ...s.warnings.flatMap((w) => [`WARNING: ${w}`]),
    ...(s.warnings.length ? [''] : []),
    'A/B Slots',
    slotLine(s, 'A'),
    slotLine(s, 'B'),
    `  booted: ${orDash(s.slots.booted)}   passive: ${orDash(s.slots.passive)}${s.pending ? `   PENDING: next boot switches to ${s.pending.switch_to}` : ''}`,
    '',
    'Boot Environment',
    `  active_slot: ${orDash(s.boot.active_slot)}   boot_counter: ${orDash(s.boot.boot_counter)}   boot_success: ${orDash(s.boot.boot_success)}`,
  ];
  const a = s.last_attempt;
  if (a) {
    lines.push('', 'Last Attempt', `  ${orDash(a.from_version)} -> ${orDash(a.to_version)}: ${a.outcome}${a.error ? ` (${a.error})` : ''}`, `  id ${a.id}, started ${orDash(a.started_at)}${a.ended_at ? `, ended ${a.ended_at}` : ''}`);
  }
  const st = s.state;
  if (st.phase !== 'idle') {
    lines.push('', 'Update Lifecycle',
      `  phase:          ${st.phase}`,
      `  from -> to:     ${orDash(st.from_version)} -> ${orDash(st.to_version)}`,
      `  started:        ${orDash(st.started_at)}`,
      `  attempts:       ${st.attempt_count} at this version`);
    if (st.health_check_failures > 0) lines.push(`  health checks:  ${st.health_check_failures} consecutive failure(s)`);
    if (st.last_error) lines.push(`  last error:     ${st.last_error}`);
  }
  lines.push('', 'Event Log', `  seq ${s.log.seq}, ${s.log.segments} segment(s), ${s.log.bytes} bytes`, `  head ${orDash(s.log.head)}`);
  return lines.join('\n');
}

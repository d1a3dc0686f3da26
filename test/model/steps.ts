/**
 * The operator's actions the model-based test draws from, and how each is carried out on a
 * sandbox node: agent commands (in this process, or as real processes when a crash point or a
 * CLI lane asks for SIGKILL and real process groups), power cycles through the ab-select model
 * or real GRUB, an operator deleting or corrupting grubenv, and a disk losing part of the log.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rng } from '../fuzz/prng.js';
import { abSelect, abVarsOf } from '../../src/boot/abSelectModel.js';
import type { GrubEmu } from '../../src/boot/grubEmu.js';
import { emptyGrubenv, GRUBENV_SIZE, parseGrubenv, setAll } from '../../src/boot/grubenv.js';
import type { Slot } from '../../events/types.js';
import { cli, type CliResult } from '../helpers/cli.js';
import { ksuInProcess } from '../helpers/inProcess.js';
import { bootInto, type Sandbox } from '../helpers/sandbox.js';
import { GOOD, type Server } from './world.js';

export type Step =
  | { kind: 'apply'; release: 'good' | 'wrong-sha' | 'relabelled'; crash?: string }
  | { kind: 'activate'; crash?: string }
  | { kind: 'reboot' }
  | { kind: 'healthcheck'; result: 'pass' | 'fail' | 'hang' | 'empty'; autoAfter: number; crash?: string }
  | { kind: 'rollback'; to: Slot | null; crash?: string }
  | { kind: 'note' }
  | { kind: 'bootenv'; crash?: string }
  | { kind: 'grubenv'; damage: 'delete' | 'garbage' | 'empty-block' }
  | { kind: 'log'; damage: 'cut-tail' | 'empty-newest' | 'delete-newest' }
  | { kind: 'repair' };

const APPLY_CRASHES = ['apply.after-started', 'apply.after-version-removed', 'apply.after-download', 'apply.after-version-written', 'persist.state.json.after-tmp'];

export function describe(s: Step): string {
  const crash = 'crash' in s && s.crash ? ` (killed at ${s.crash})` : '';
  switch (s.kind) {
    case 'apply': return `apply ${s.release}${crash}`;
    case 'healthcheck': return `healthcheck ${s.result}${s.autoAfter ? ` --auto-rollback-after ${s.autoAfter}` : ''}${crash}`;
    case 'rollback': return `rollback${s.to ? ` --to ${s.to}` : ''}${crash}`;
    case 'grubenv': return `operator: grubenv ${s.damage}`;
    case 'log': return `disk: log ${s.damage} (checkpoint kept)`;
    case 'repair': return 'repair --accept-loss';
    default: return `${s.kind}${crash}`;
  }
}

/** A random step; the weights favour the update cycle, with enough of everything else. */
export function randomStep(r: Rng): Step {
  const x = r.int(100);
  const maybe = (p: number, points: string[]) => (r.chance(p) ? { crash: `${r.pick(points)}:1` } : {});
  if (x < 18) return { kind: 'apply', release: r.chance(0.8) ? 'good' : r.pick(['wrong-sha', 'relabelled'] as const), ...maybe(0.2, APPLY_CRASHES) };
  if (x < 32) return { kind: 'activate', ...maybe(0.1, ['activate.after-intent', 'activate.after-grubenv']) };
  if (x < 52) return { kind: 'reboot' };
  if (x < 74) {
    const result = r.pick(['pass', 'pass', 'fail', 'fail', 'hang', 'empty'] as const);
    return { kind: 'healthcheck', result, autoAfter: r.pick([0, 0, 1, 2]), ...(result === 'pass' ? maybe(0.1, ['healthcheck.after-intent', 'healthcheck.after-grubenv']) : {}) };
  }
  if (x < 84) return { kind: 'rollback', to: r.pick([null, null, 'A', 'B'] as const), ...maybe(0.1, ['rollback.after-intent', 'rollback.after-grubenv']) };
  if (x < 86) return { kind: 'note' };
  if (x < 88) return { kind: 'log', damage: r.pick(['cut-tail', 'empty-newest', 'delete-newest'] as const) };
  if (x < 90) return { kind: 'repair' };
  if (x < 95) return { kind: 'bootenv', ...maybe(0.1, ['bootenv.after-intent', 'bootenv.after-grubenv']) };
  return { kind: 'grubenv', damage: r.pick(['delete', 'garbage', 'empty-block'] as const) };
}

/** How a sequence runs: its node, its server, GRUB (real or the model), and whether every command is a real process. */
export interface Lane { sb: Sandbox; server: Server; pub: string; grub: GrubEmu | null; spawn: boolean; nextGood: number }

export type Ran = CliResult & { ms: number };

function args(l: Lane, s: Step): string[] {
  switch (s.kind) {
    case 'apply': return ['apply', '--server', l.server.url, '--pubkey', l.pub, '--http-timeout', '5', '--http-retries', '0'];
    case 'activate': return ['activate'];
    case 'healthcheck': {
      const auto = ['--auto-rollback-after', String(s.autoAfter)];
      if (s.result === 'pass') return ['healthcheck', '--checks', 'disk-writable', '--timeout', '5', ...auto];
      if (s.result === 'fail') return ['healthcheck', '--checks', 'command', '--check-command', 'false', '--timeout', '0', ...auto];
      if (s.result === 'hang') return ['healthcheck', '--checks', 'command', '--check-command', 'sleep 1000', '--timeout', '1', ...auto];
      return ['healthcheck', '--checks', '', ...auto];
    }
    case 'rollback': return ['rollback', ...(s.to ? ['--to', s.to] : [])];
    case 'note': return ['note', 'model step'];
    case 'bootenv': return ['bootenv', 'init'];
    case 'repair': return ['repair', '--accept-loss'];
    default: throw new Error(`not a command: ${s.kind}`);
  }
}

/** Boots the node once: GRUB (real, or its proven model) on whatever grubenv holds now. */
function powerCycle(l: Lane): void {
  const file = l.sb.grubenv;
  const block = existsSync(file) ? readFileSync(file) : null;
  let slot: Slot, after: Buffer | null = block;
  if (l.grub) {
    const [b] = l.grub.bootEach([block]);
    slot = b.slot ?? 'A';
    after = b.block;
  } else {
    let vars: Map<string, string> | null = null;
    try { if (block) vars = new Map(parseGrubenv(block)); } catch { /* GRUB cannot load it: boots A */ }
    const m = abSelect(vars ? abVarsOf(vars) : null);
    slot = m.slot;
    if (block && m.saved) after = setAll(block, m.saved);
  }
  if (block && after && !after.equals(block)) writeFileSync(file, after);
  l.sb.boot++;
  bootInto(l.sb, slot);
}

/** The disk loses part of the log; the checkpoint survives (it is another file). */
function damageLog(sb: Sandbox, damage: 'cut-tail' | 'empty-newest' | 'delete-newest'): void {
  const dir = join(sb.dataDir, 'events');
  const newest = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.seg')).sort().at(-1) : undefined;
  if (!newest) return;
  const path = join(dir, newest);
  if (damage === 'delete-newest') rmSync(path);
  else truncateSync(path, damage === 'empty-newest' ? 0 : Math.max(0, statSync(path).size - 37));
}

export async function perform(l: Lane, s: Step): Promise<Ran | null> {
  if (s.kind === 'reboot') { powerCycle(l); return null; }
  if (s.kind === 'grubenv') {
    if (s.damage === 'delete') rmSync(l.sb.grubenv, { force: true });
    else writeFileSync(l.sb.grubenv, s.damage === 'garbage' ? Buffer.alloc(GRUBENV_SIZE, 0x41) : emptyGrubenv());
    return null;
  }
  if (s.kind === 'log') { damageLog(l.sb, s.damage); return null; }
  if (s.kind === 'apply') {
    if (s.release === 'wrong-sha') l.server.offer('wrong-sha');
    else if (s.release === 'relabelled') l.server.offer({ relabelled: Math.max(1, l.nextGood - 1) });
    else { l.server.offer({ good: Math.min(GOOD, l.nextGood) }); l.nextGood = Math.min(GOOD, l.nextGood + 1); }
  }
  const argv = ['--root', l.sb.root, ...args(l, s)];
  const crash = 'crash' in s ? s.crash : undefined;
  const started = Date.now();
  const r = crash || l.spawn ? await cli(argv, crash ? { KUBESOLO_UPDATE_CRASH: crash } : {}) : await ksuInProcess(argv);
  return { ...r, ms: Date.now() - started };
}

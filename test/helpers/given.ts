/**
 * Given/when/then for the deciders (after emmett's DeciderSpecification): the log so far, the
 * node's facts, a decision; then the events it would record, its refusal and the rule named, or
 * nothing. `given(...).when(decide)` returns the decision for anything more specific.
 */
import * as assert from 'uvu/assert';
import type { ArtifactRecord, BootVars, NewEvent, Slot } from '../../events/types.js';
import { applyNew } from '../../projections/applyNew.js';
import { initialProjections, type Projections } from '../../projections/index.js';
import { SCRIPT_VERSION, type BootEnv, type NodeFacts, type SlotContent } from '../../src/domain/facts.js';
import { isRefusal, type Step } from '../../src/domain/plan.js';

/** A complete block, marked by our GRUB script unless `script` says otherwise. */
export function env(active_slot: string | null, boot_counter: number | null, boot_success: number | null, script: string | null = SCRIPT_VERSION): BootEnv {
  const vars: BootVars = { active_slot, boot_counter, boot_success };
  const ok = (active_slot === 'A' || active_slot === 'B') && boot_counter !== null && boot_counter <= 3 && (boot_success === 0 || boot_success === 1);
  return { state: ok ? 'ok' : 'incomplete', vars, script, problem: ok ? null : 'grubenv is incomplete', file: '/boot/grub/grubenv' };
}

export const missingEnv: BootEnv = { state: 'missing', vars: null, script: null, problem: '/boot/grub/grubenv does not exist', file: '/boot/grub/grubenv' };

/** Artifacts whose hashes name a release (`v1` → 'v1…'), so tests can tell releases apart. */
export const artifacts = (tag: string): ArtifactRecord[] => [
  { name: 'vmlinuz', sha256: `k${tag}`.padEnd(64, '0'), bytes: 10 },
  { name: 'kubesolo-os.gz', sha256: `i${tag}`.padEnd(64, '0'), bytes: 20 },
];
export const holding = (version: string | null, tag = version ?? 'none'): SlotContent => ({ version, artifacts: version ? artifacts(tag) : [] });

export function facts(f: Partial<NodeFacts> = {}): NodeFacts {
  return {
    now: 1_000_000, bootId: 'boot-1', booted: 'A', env: env('A', 3, 1), slots: { A: holding('v1'), B: holding('v0') },
    newAttemptId: 'new-attempt', upstreamState: null, ...f,
  };
}

/** The events a decision records when every step succeeds, in order. */
export function eventsOf(d: unknown): NewEvent[] {
  if (isRefusal(d)) return d.events;
  const x = d as { steps?: Step[]; events?: NewEvent[] };
  if (x.events) return x.events;
  return (x.steps ?? []).flatMap((s) => ('record' in s ? s.record : [s.bootenv.intent, ...s.bootenv.outcome]));
}

export interface Given {
  p: Projections;
  when<R>(decide: (p: Projections, f: NodeFacts) => R, f?: NodeFacts): Then<R>;
}

export interface Then<R> {
  decision: R;
  then(events: NewEvent[]): void;
  thenRefuses(rule: RegExp | string, code?: string): void;
  thenNothing(): void;
  /** The grubenv writes, as `slot=… counter=… success=…` strings. */
  writes(): string[];
}

/** The log so far: batches of events, each written in a boot (default 'boot-1'). */
export function given(batches: Array<NewEvent | [string, NewEvent[]]>): Given {
  let p = initialProjections();
  for (const b of batches) p = Array.isArray(b) ? applyNew(p, b[1], b[0], 0) : applyNew(p, [b], 'boot-1', 0);
  return {
    p,
    when<R>(decide: (p: Projections, f: NodeFacts) => R, f = facts()): Then<R> {
      const decision = decide(p, f);
      return {
        decision,
        then: (events) => assert.equal(eventsOf(decision), events),
        thenRefuses(rule, code = 'REFUSED') {
          assert.ok(isRefusal(decision), `expected a refusal, got ${JSON.stringify(decision)}`);
          const r = decision as unknown as { refused: string; code: string };
          assert.match(r.refused, rule);
          assert.is(r.code, code);
        },
        thenNothing() {
          assert.not.ok(isRefusal(decision), `expected nothing to do, got a refusal: ${JSON.stringify(decision)}`);
          assert.equal(eventsOf(decision), []);
        },
        writes: () => ((decision as { steps?: Step[] }).steps ?? []).flatMap((s) => ('bootenv' in s ? [Object.entries(s.bootenv.set).map(([k, v]) => `${k}=${v}`).join(' ')] : [])),
      };
    },
  };
}

/** A staged release `to` in `slot`, from `from` in the other slot (the fallback verified first). */
export function stagedLog(o: { attempt?: string; to?: string; slot?: Slot; from?: string } = {}): NewEvent[] {
  const attempt = o.attempt ?? 'att-1', to = o.to ?? 'v2', slot = o.slot ?? 'B', from = o.from ?? 'v1';
  const fromSlot: Slot = slot === 'A' ? 'B' : 'A';
  return [
    { type: 'Provisioned', data: { slot: fromSlot, version: from, artifacts: artifacts(from), how: 'found' } },
    { type: 'AttemptStarted', attempt, data: { fromVersion: from, fromSlot, toVersion: to, toSlot: slot, source: 's' } },
    { type: 'MetadataFetched', attempt, data: { version: to, artifacts: artifacts(to), signed: true } },
    { type: 'DownloadStarted', attempt, data: { artifact: 'vmlinuz', url: 'u' } },
    { type: 'Staged', attempt, data: { slot, version: to, artifacts: artifacts(to) } },
  ];
}

export function activatedLog(o: { attempt?: string; to?: string; slot?: Slot; from?: string } = {}): NewEvent[] {
  const attempt = o.attempt ?? 'att-1', slot = o.slot ?? 'B';
  return [...stagedLog(o), { type: 'Intent', attempt, data: { action: 'activate', slot } }, { type: 'Activated', attempt, data: { slot, previousSlot: slot === 'A' ? 'B' : 'A' } }];
}

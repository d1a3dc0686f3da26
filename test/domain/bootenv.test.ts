/** bootenv init: a complete block from what the log knows — each way it writes, each refusal. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NewEvent } from '../../events/types.js';
import { decideBootEnvInit } from '../../src/domain/bootenv.js';
import { activatedLog, artifacts, env, facts, given, holding, missingEnv } from '../helpers/given.js';

const missing = (f = {}) => facts({ env: missingEnv, ...f });

test('a complete block: nothing to write', () => {
  given([]).when(decideBootEnvInit, facts()).thenNothing();
});

test('an open trial continues: its slot, boot_success=0, the counter the log last saw', () => {
  const log: Array<NewEvent | [string, NewEvent[]]> = [...activatedLog(), ['boot-2', [{ type: 'BootObserved', data: { slot: 'B', bootCounter: 2, bootSuccess: 0, versions: {} } }]]];
  const g = given(log).when(decideBootEnvInit, missing({ bootId: 'boot-2', booted: 'B' }));
  assert.equal(g.writes(), ['active_slot=B boot_counter=2 boot_success=0']);
  g.then([
    { type: 'Intent', attempt: 'att-1', data: { action: 'bootenv', slot: 'B' } },
    { type: 'BootEnvInitialized', data: { slot: 'B', bootCounter: 2, bootSuccess: 0, mode: 'continue-trial', replaced: 'missing' } },
  ]);
});

test('the running slot, verified on this node and unchanged: marked good', () => {
  const log: NewEvent[] = [{ type: 'Provisioned', data: { slot: 'A', version: 'v1', artifacts: artifacts('v1'), how: 'found' } }];
  const g = given(log).when(decideBootEnvInit, missing());
  assert.equal(g.writes(), ['active_slot=A boot_counter=3 boot_success=1']);
  given(log).when(decideBootEnvInit, missing({ slots: { A: holding('v1', 'edited'), B: holding(null) } })).thenRefuses(/no longer holds the verified v1/);
});

test('a node the log knows nothing about: the running slot recorded as provisioned, then marked good', () => {
  given([]).when(decideBootEnvInit, missing()).then([
    { type: 'Provisioned', data: { slot: 'A', version: 'v1', artifacts: artifacts('v1'), how: 'bootenv' } },
    { type: 'Intent', data: { action: 'bootenv', slot: 'A' } },
    { type: 'BootEnvInitialized', data: { slot: 'A', bootCounter: 3, bootSuccess: 1, mode: 'provisioned', replaced: 'missing' } },
  ]);
  given([]).when(decideBootEnvInit, missing({ slots: { A: holding(null), B: holding(null) } })).thenRefuses(/holds no complete image/);
});

test('a log that knows the slots, a running slot it never verified: refused, never marked good without a record', () => {
  const log: NewEvent[] = [{ type: 'Staged', attempt: 'x', data: { slot: 'A', version: 'v1', artifacts: artifacts('v1') } }];
  given(log).when(decideBootEnvInit, missing()).thenRefuses(/holds no release this node verified.*never guess the boot environment/);
});

test('an incomplete block and the booted slot unknown', () => {
  const g = given([]).when(decideBootEnvInit, facts({ env: env(null, 3, 1) }));
  assert.ok((g.decision as { mode?: string }).mode === 'provisioned');
  given([]).when(decideBootEnvInit, missing({ booted: null })).thenRefuses(/booted slot is unknown/);
});

test.run();

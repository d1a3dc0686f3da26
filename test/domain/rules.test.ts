/** The warnings about the boot environment that status and every writer show. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bootEnvWarnings } from '../../src/domain/rules.js';
import { activatedLog, env, given, stagedLog } from '../helpers/given.js';

test('a complete block our script marked, booting a verified slot: nothing to say', () => {
  assert.equal(bootEnvWarnings(env('A', 3, 1), given(stagedLog()).p.lifecycle), []);
});

test('no ab_select_version: another GRUB script runs (know which GRUB script runs)', () => {
  const [w] = bootEnvWarnings(env('A', 3, 1, null), given(stagedLog()).p.lifecycle);
  assert.match(w, /has no ab_select_version.*safety rule: know which GRUB script runs/);
});

test('a slot booted as verified that this node never verified: the block was written outside the agent', () => {
  const [w] = bootEnvWarnings(env('B', 3, 1), given(activatedLog()).p.lifecycle);
  assert.match(w, /boots slot B as verified \(boot_success=1\), but this node never verified the release in it/);
  assert.equal(bootEnvWarnings(env('B', 3, 1), given([]).p.lifecycle), [], 'a log that knows nothing of the slots judges nothing');
});

test.run();

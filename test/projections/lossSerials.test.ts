/** A lost log range must not reopen a replay: the highest statement serials survive LogLost, from a checkpoint of any projection version. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { EventDataByType } from '../../events/types.js';
import { initialProjections, PROJECTION_VERSION } from '../../projections/index.js';
import { carriedFrom, restoredAfterLoss } from '../../projections/loss.js';
import { given } from '../helpers/given.js';

const checked = (key: string, serial: number) => ({ type: 'UpdateChecked' as const, data: { current: 'v1.0.0', latest: 'v1.1.0', available: true, statement: { key, serial } } });

test('the log folds the highest serial per key; an older one accepted later does not lower it', () => {
  const p = given([checked('k1', 200), checked('k2', 5), checked('k1', 100)]).p;
  assert.equal(p.node.serials, { k1: 200, k2: 5 });
});

test('a loss with a checkpoint of this version restores its serials; of an older version, the higher of each key is kept', () => {
  const checkpoint = given([checked('k1', 200), checked('k2', 5)]).p;
  const ours = initialProjections();
  const lost = (carried: Record<string, unknown>): EventDataByType['LogLost'] => ({ from: 1, to: 2, lostHead: null, evidence: 'the checkpoint', reason: 'the log ends early', carried });
  const same = restoredAfterLoss(ours, lost(carriedFrom(PROJECTION_VERSION, checkpoint) as unknown as Record<string, unknown>), PROJECTION_VERSION);
  assert.equal(same.node.serials, { k1: 200, k2: 5 });
  const older = { ...carriedFrom(3, checkpoint), projectionVersion: 3 } as unknown as Record<string, unknown>;
  const kept = given([checked('k2', 9)]).p;
  const merged = restoredAfterLoss(kept, { ...lost(older), from: 40 }, PROJECTION_VERSION);
  assert.equal(merged.node.serials, { k2: 9, k1: 200 });
  const garbage = restoredAfterLoss(kept, { ...lost({ projectionVersion: 3, lifecycle: {}, node: { serials: { k1: 'x', k3: -1, k4: 7 } } }), from: 40 }, PROJECTION_VERSION);
  assert.equal(garbage.node.serials, { k2: 9, k4: 7 });
});

test.run();

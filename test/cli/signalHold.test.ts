/** The signal hold (src/signals.ts) on a stand-in process: what it records, when it listens, what stops a wait. */
import { EventEmitter } from 'node:events';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Interrupted } from '../../src/errors.js';
import { processSignals, untilStopped } from '../../src/signals.js';

const proc = () => new EventEmitter() as EventEmitter & Pick<NodeJS.Process, 'on' | 'off'>;

test('held: the first signal is recorded and told once; a second one changes nothing', () => {
  const p = proc();
  const hold = processSignals(p);
  const heard: string[] = [];
  hold.onSignal((s) => heard.push(s));
  assert.is(p.listenerCount('SIGTERM'), 0, 'no handler before the hold: the default action applies');
  hold.hold();
  assert.equal([p.listenerCount('SIGINT'), p.listenerCount('SIGTERM')], [1, 1]);
  p.emit('SIGTERM');
  p.emit('SIGINT');
  assert.is(hold.received(), 'SIGTERM');
  assert.equal(heard, ['SIGTERM']);
  // A listener that subscribes late hears the signal at once.
  const late: string[] = [];
  hold.onSignal((s) => late.push(s));
  assert.equal(late, ['SIGTERM']);
  hold.release();
  assert.equal([p.listenerCount('SIGINT'), p.listenerCount('SIGTERM')], [0, 0], 'released: the default action is back');
});

test('nested holds release the handlers only at the last release', () => {
  const p = proc();
  const hold = processSignals(p);
  hold.hold();
  hold.hold();
  hold.release();
  assert.is(p.listenerCount('SIGINT'), 1);
  hold.release();
  hold.release();
  assert.is(p.listenerCount('SIGINT'), 0);
});

test('untilStopped: the work wins without a signal; a signal ends the wait with Interrupted and abandons the work', async () => {
  const p = proc();
  const hold = processSignals(p);
  hold.hold();
  assert.is(await untilStopped(Promise.resolve(7), hold), 7);
  let finish: (v: number) => void = () => {};
  const abandoned: number[] = [];
  const waiting = untilStopped(new Promise<number>((r) => { finish = r; }), hold, (v) => abandoned.push(v));
  p.emit('SIGINT');
  const err = await waiting.catch((e) => e);
  assert.instance(err, Interrupted);
  assert.is(err.signal, 'SIGINT');
  finish(8);
  await new Promise((r) => setImmediate(r));
  assert.equal(abandoned, [8], 'a value that came too late is handed over to be cleaned up');
  // Not held at all (in-process runs): the work is simply awaited.
  assert.is(await untilStopped(Promise.resolve(9), undefined), 9);
});

test.run();

/** Asserts that a promise rejects with an error of `kind` whose message matches `pattern`. */
import * as assert from 'uvu/assert';

export async function rejects(p: Promise<unknown>, kind: abstract new (...args: never[]) => Error, pattern: RegExp): Promise<void> {
  try { await p; } catch (e) {
    assert.instance(e, kind);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable('it succeeded');
}

/**
 * Ten operators (or timers) at once, each running `note` twenty times: with --wait 0 every
 * command either lands its note exactly once (exit 0) or changes nothing (exit 75); with --wait 30
 * all 200 land. The log verifies clean after both.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, cliSync } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

async function storm(dir: string, wait: string): Promise<Map<string, number | null>> {
  const codes = new Map<string, number | null>();
  await Promise.all(Array.from({ length: 10 }, async (_, w) => {
    for (let j = 0; j < 20; j++) {
      const text = `w${w}-n${j}`;
      const r = await cli(['--data-dir', dir, '--wait', wait, 'note', text]);
      codes.set(text, r.code);
      if (r.code === 75) assert.ok(/^kubesolo-update: note: the log is locked by pid \d+ \(kubesolo-update /.test(r.stderr), r.stderr);
    }
  }));
  return codes;
}

function notesIn(dir: string): string[] {
  const r = cliSync(['--data-dir', dir, 'events', '--type', 'OperatorNote']);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l).data.text);
}

test('10 × 20 notes with --wait 0: exit 0 means in the log exactly once, anything else is exit 75 and absent', async () => {
  const dir = tmpDir();
  const codes = await storm(dir, '0');
  const notes = notesIn(dir);
  const counts = new Map<string, number>();
  for (const n of notes) counts.set(n, (counts.get(n) ?? 0) + 1);
  let ok = 0, busy = 0;
  for (const [text, code] of codes) {
    assert.ok(code === 0 || code === 75, `${text}: exit ${code}`);
    if (code === 0) { ok++; assert.is(counts.get(text), 1, text); } else { busy++; assert.is(counts.get(text), undefined, text); }
  }
  assert.is(notes.length, ok);
  assert.is(cliSync(['--data-dir', dir, 'verify']).code, 0);
  console.log(`    (--wait 0: ${ok} landed, ${busy} refused busy)`);
});

test('10 × 20 notes with --wait 30: all 200 land, once each', async () => {
  const dir = tmpDir();
  const codes = await storm(dir, '30');
  assert.equal([...codes.values()].filter((c) => c !== 0), []);
  const notes = notesIn(dir);
  assert.is(notes.length, 200);
  assert.is(new Set(notes).size, 200);
  const v = JSON.parse(cliSync(['--data-dir', dir, 'verify', '--json']).stdout);
  assert.ok(v.ok);
  assert.is(v.lastSeq, 200);
});

test.run();

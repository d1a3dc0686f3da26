/**
 * The on-disk format is a promise to every node already in the field: a log written by format 1
 * must read the same forever, and the writer must still produce the same bytes. On a deliberate
 * format change, regenerate with UPDATE_GOLDEN=1 and keep the old fixture beside the new one.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogCursor } from '../../events/cursor.js';
import { nodeFs } from '../../events/logFs.js';
import { listSegments } from '../../events/segments.js';
import { verifyLog } from '../../events/verify.js';
import { buildLog, readAll } from '../helpers/fixture.js';
import { MemFs } from '../helpers/memFs.js';

const GOLDEN = fileURLToPath(new URL('../../../test/golden/format-v1/', import.meta.url));
const HINT = 'the log format changed: if that is deliberate, run UPDATE_GOLDEN=1 npm test and keep the old fixture';

function scripted(): MemFs {
  const fs = new MemFs();
  buildLog(fs, '/log/events', 12, 600);
  return fs;
}

if (process.env.UPDATE_GOLDEN) {
  const fs = scripted();
  mkdirSync(join(GOLDEN, 'events'), { recursive: true });
  for (const s of listSegments(fs, '/log/events')) writeFileSync(join(GOLDEN, 'events', s.name), fs.files.get(s.path)!);
  writeFileSync(join(GOLDEN, 'events.ndjson'), readAll(fs, '/log/events').map((e) => JSON.stringify(e)).join('\n') + '\n');
}

test('the golden format-1 log reads to the same events, verifies clean, and keeps its head', () => {
  assert.ok(existsSync(GOLDEN), `missing ${GOLDEN}: run UPDATE_GOLDEN=1 npm test once`);
  const events = new LogCursor(join(GOLDEN, 'events')).poll().map((e) => JSON.parse(JSON.stringify(e)));
  const expected = readFileSync(join(GOLDEN, 'events.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.is(events.length, 16);
  assert.equal(events, expected, HINT);
  const report = verifyLog(join(GOLDEN, 'events'), nodeFs);
  assert.ok(report.ok);
  assert.is(report.segments, 6);
});

test('the writer still produces the golden bytes for the same script', () => {
  const fs = scripted();
  for (const s of listSegments(fs, '/log/events')) {
    const golden = readFileSync(join(GOLDEN, 'events', s.name));
    assert.ok(fs.files.get(s.path)!.equals(golden), `${s.name}: ${HINT}`);
  }
});

test.run();

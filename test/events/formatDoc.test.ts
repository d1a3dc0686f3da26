/**
 * events/FORMAT.md is a contract for other tools: its Python reader, run by Debian's python3 with
 * python3-msgpack (installed by .ci/run), must read our log exactly as we do.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LogCursor } from '../../events/cursor.js';
import { buildLog } from '../helpers/fixture.js';
import { tmpDir } from '../helpers/tmp.js';
import { nodeFs } from '../../events/logFs.js';

const FORMAT_MD = fileURLToPath(new URL('../../../events/FORMAT.md', import.meta.url));
const PYTHON = '/usr/bin/python3';

function havePythonMsgpack(): boolean {
  return spawnSync(PYTHON, ['-c', 'import msgpack'], { encoding: 'utf8' }).status === 0;
}

test('the Python reader in FORMAT.md reads every event of a multi-segment log exactly as we do', () => {
  if (!havePythonMsgpack()) {
    if (process.env.CI) assert.unreachable('CI must have /usr/bin/python3 with python3-msgpack (.ci/run installs it)');
    console.log('    (skipped: /usr/bin/python3 has no msgpack; apt-get install python3-msgpack)');
    return;
  }
  const md = readFileSync(FORMAT_MD, 'utf8');
  const block = /```python\n([\s\S]*?)```/.exec(md);
  assert.ok(block, 'FORMAT.md has a python block');
  const dir = tmpDir();
  const script = join(dir, 'read_log.py');
  writeFileSync(script, block![1]);
  const events = join(dir, 'events');
  buildLog(nodeFs, events, 40, 600);
  const r = spawnSync(PYTHON, [script, events], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const theirs = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const ours = new LogCursor(events).poll().map((e) => JSON.parse(JSON.stringify(e)));
  assert.ok(ours.length > 40);
  assert.equal(theirs, ours);
});

test.run();

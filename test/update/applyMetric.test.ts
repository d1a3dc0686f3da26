/**
 * After `apply`, the offered-version metric shows what apply saw — not only what the last `check`
 * saw: apply's metadata step records an UpdateChecked like check does. A real update server on
 * 127.0.0.1 whose release changes between the check and the apply (commands that reach it run
 * async: a sync spawn would block the server in this process).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cli, cliSync } from '../helpers/cli.js';
import { publisher } from '../helpers/publisher.js';
import { makeSandbox, type Sandbox } from '../helpers/sandbox.js';
import { serve } from '../helpers/updateServer.js';

const pub = publisher(20_000, 50_000);
const v110 = pub.release('v110', 'v1.1.0');
const v120 = pub.release('v120', 'v1.2.0', '--channel', 'stable');

const metrics = (sb: Sandbox) => cliSync(['--root', sb.root, 'metrics']).stdout;
const offered = (text: string) => [...text.matchAll(/^kubesolo_update_available_version_info\{version="([^"]*)"\} 1$/gm)].map((m) => m[1]);
const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

test('check sees v1.1.0, the server moves to v1.2.0, apply stages it: the metrics offer v1.2.0', async () => {
  let dir = v110;
  const srv = await serve(() => dir);
  const sb = makeSandbox('v1.0.0');
  const root = ['--root', sb.root];
  const server = ['--server', srv.url, '--pubkey', pub.pub];
  try {
    const checked = await cli([...root, 'check', ...server]);
    assert.is(checked.code, 0, checked.stderr);
    const afterCheck = metrics(sb);
    assert.equal(offered(afterCheck), ['v1.1.0']);
    dir = v120;
    const r = await cli([...root, 'apply', ...server]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, 'v1.2.0 staged in slot B');
    const afterApply = metrics(sb);
    assert.equal(offered(afterApply), ['v1.2.0'], 'what apply saw, not what check saw');
    assert.is(gauge(afterApply, 'kubesolo_update_available'), 1);
    assert.ok(gauge(afterApply, 'kubesolo_update_last_check_timestamp_seconds') > gauge(afterCheck, 'kubesolo_update_last_check_timestamp_seconds'));
    const recorded = cliSync([...root, 'events', '--type', 'UpdateChecked']).stdout.trim().split('\n').map((l) => JSON.parse(l).data);
    assert.equal(recorded.map(({ statement: _, ...d }: Record<string, unknown>) => d), [{ current: 'v1.0.0', latest: 'v1.1.0', available: true }, { current: 'v1.0.0', latest: 'v1.2.0', available: true }]);
    assert.ok(recorded[1].statement.serial >= recorded[0].statement.serial, 'each accepted serial recorded');
  } finally { await srv.close(); }
});

test('apply alone, then refused by a gate: the metric still shows the version apply was offered', async () => {
  const srv = await serve(v120);
  const sb = makeSandbox('v1.0.0');
  try {
    const r = await cli(['--root', sb.root, 'apply', '--server', srv.url, '--pubkey', pub.pub, '--channel', 'beta']);
    assert.is(r.code, 3, r.stderr);
    assert.equal(offered(metrics(sb)), ['v1.2.0']);
  } finally { await srv.close(); }
});

test.run();

/** Registry references: what an operator may write, and the message for what is refused. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatRef, parseReference, parseRegistry, ReferenceError } from '../../src/update/oci/reference.js';

test('host, host:port and localhost with a nested repository', () => {
  assert.equal(parseRegistry('ghcr.io/example/kubesolo-os', 'stable'), { host: 'ghcr.io', repository: 'example/kubesolo-os', tag: 'stable' });
  assert.equal(parseRegistry('127.0.0.1:5000/kubesolo/os', 'v1.2.0'), { host: '127.0.0.1:5000', repository: 'kubesolo/os', tag: 'v1.2.0' });
  assert.equal(parseRegistry('localhost/os', 'v1'), { host: 'localhost', repository: 'os', tag: 'v1' });
  assert.equal(parseRegistry('Harbor.Example.COM/edge/os', 'v1').host, 'harbor.example.com');
});

test('a scheme in front is tolerated; a reference with its tag round-trips', () => {
  assert.is(parseRegistry('https://ghcr.io/a/b', 't').host, 'ghcr.io');
  const r = parseReference('registry.local:5000/kubesolo/os:v1.2.0-amd64');
  assert.equal(r, { host: 'registry.local:5000', repository: 'kubesolo/os', tag: 'v1.2.0-amd64' });
  assert.is(formatRef(r), 'registry.local:5000/kubesolo/os:v1.2.0-amd64');
});

const refused = (fn: () => unknown, pattern: RegExp) => {
  try { fn(); } catch (e) {
    assert.instance(e, ReferenceError);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable('accepted');
};

test('refused, each with what is wrong', () => {
  refused(() => parseRegistry('ghcr.io', 't'), /names no repository/);
  refused(() => parseRegistry('library/os', 't'), /"library" is not a registry host/);
  refused(() => parseRegistry('ghcr.io/Example/os', 't'), /"Example" is not a repository path component/);
  refused(() => parseRegistry('ghcr.io/a//b', 't'), /"" is not a repository path component/);
  refused(() => parseRegistry('host.example:99999/a', 't'), /port 99999 is out of range/);
  refused(() => parseRegistry('ghcr.io/a', '-bad'), /is not a tag/);
  refused(() => parseRegistry('ghcr.io/a', 'x'.repeat(129)), /is not a tag/);
  refused(() => parseReference('ghcr.io/a/b'), /names no tag/);
  refused(() => parseReference('localhost:5000/a'), /names no tag|not a tag/);
});

test.run();

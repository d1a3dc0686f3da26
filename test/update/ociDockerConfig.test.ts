/** Docker's config.json: the credentials for one registry host, and clear refusals that never show a secret. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { credentialsFor, DockerConfigError } from '../../src/update/oci/dockerConfig.js';

const conf = (o: unknown) => Buffer.from(JSON.stringify(o));
const b64 = (s: string) => Buffer.from(s).toString('base64');

test('auth (base64 user:password) and username/password, matched by host whatever the key\'s scheme or path', () => {
  const c = conf({ auths: { 'https://ghcr.io/v1/': { auth: b64('bot:pa:ss') }, 'registry.local:5000': { username: 'alice', password: 's3cret' } } });
  assert.equal(credentialsFor(c, 'ghcr.io', 'c.json'), { username: 'bot', password: 'pa:ss' });
  assert.equal(credentialsFor(c, 'Registry.Local:5000', 'c.json'), { username: 'alice', password: 's3cret' });
  assert.is(credentialsFor(c, 'quay.io', 'c.json'), null, 'no entry: anonymous');
  assert.is(credentialsFor(conf({}), 'quay.io', 'c.json'), null);
});

const refused = (bytes: Buffer, host: string, pattern: RegExp) => {
  try { credentialsFor(bytes, host, '/etc/kubesolo/registry.json'); } catch (e) {
    assert.instance(e, DockerConfigError);
    assert.match((e as Error).message, pattern);
    assert.not.match((e as Error).message, /s3cret|c2VjcmV0|hunter2/, 'no secret in the message');
    return;
  }
  assert.unreachable('accepted');
};

test('refused with the file, the host and the fix', () => {
  refused(Buffer.from('<html>'), 'ghcr.io', /\/etc\/kubesolo\/registry\.json is not JSON/);
  refused(conf({ credHelpers: { 'ghcr.io': 'gcr' } }), 'ghcr.io', /credential helper for ghcr\.io; this agent runs no helper programs/);
  refused(conf({ credsStore: 'desktop', auths: {} }), 'ghcr.io', /"desktop" store, which this agent cannot read/);
  refused(conf({ auths: { 'ghcr.io': { identitytoken: 'hunter2' } } }), 'ghcr.io', /identity token/);
  refused(conf({ auths: { 'ghcr.io': { auth: b64('nocolon-s3cret') } } }), 'ghcr.io', /not base64 of user:password/);
  refused(conf({ auths: { 'ghcr.io': {} } }), 'ghcr.io', /neither "auth" nor "username" and "password"/);
  refused(Buffer.alloc(1024 * 1024 + 1, 32), 'ghcr.io', /larger than/);
});

test.run();

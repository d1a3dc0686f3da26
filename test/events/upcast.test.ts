import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { upcast, type UpcasterTable } from '../../events/upcast.js';
import { CURRENT_VERSION, EVENT_TYPES, isForeign } from '../../events/types.js';

const env = (type: string, v: number, data: Record<string, unknown>) => ({ seq: 1, type, v, at: 0, boot: 'b', data });

test('the catalogue holds every DESIGN.md §2 type at v1, OperatorNote included, and the boot-safety types', () => {
  assert.equal(EVENT_TYPES.sort(), [
    'Activated', 'ArtifactVerified', 'AttemptFailed', 'AttemptStarted', 'BootEnvInitialized', 'BootObserved', 'DownloadProgress', 'DownloadStarted',
    'HealthcheckFailed', 'HealthcheckPassed', 'HealthcheckStarted', 'Intent', 'IntentAbandoned', 'IntentFailed', 'LogLost', 'LogRepaired', 'LossAccepted',
    'MetadataFetched', 'Migrated', 'OperatorNote', 'Provisioned', 'RolledBack', 'Staged', 'TrialAdopted', 'UpdateChecked', 'UpdateDeferred',
  ]);
});

test('a current event passes through untouched', () => {
  const e = env('OperatorNote', 1, { text: 'x' });
  assert.is(upcast(e), e);
});

test('unknown types and newer versions are carried as foreign, never thrown on', () => {
  const future = upcast(env('SomethingNew', 1, { a: 1 }));
  assert.ok(isForeign(future));
  assert.equal(future.data, { a: 1 });
  assert.ok(isForeign(upcast(env('OperatorNote', 2, { text: 'x' }))));
});

test('an old version is brought forward through the chain of upcasters', () => {
  const table: UpcasterTable = {
    OperatorNote: {
      [CURRENT_VERSION.OperatorNote - 1]: (d) => ({ text: String(d.message) }),
    },
  };
  const old = upcast(env('OperatorNote', CURRENT_VERSION.OperatorNote - 1, { message: 'hello' }), table);
  assert.not.ok(isForeign(old));
  assert.equal(old.data, { text: 'hello' });
  assert.is(old.v, CURRENT_VERSION.OperatorNote);
  assert.ok(isForeign(upcast(env('OperatorNote', CURRENT_VERSION.OperatorNote - 1, { message: 'x' }), {})), 'a missing step is foreign');
});

test.run();

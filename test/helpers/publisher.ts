/** A publisher for update tests: a key pair and `kubesolo-update release` of given artifacts. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { cliSync } from './cli.js';
import { tmpDir } from './tmp.js';

export interface Publisher {
  work: string;
  keys: string;
  /** The public key file nodes read with --pubkey. */
  pub: string;
  /** Builds a signed release directory named `name` under the work dir. */
  release(name: string, version: string, ...extra: string[]): string;
}

export function publisher(kernelBytes: number, initramfsBytes: number): Publisher {
  const work = tmpDir('ksu-pub-');
  const keys = join(work, 'keys');
  assert.is(cliSync(['keygen', '--out', keys]).code, 0);
  writeFileSync(join(work, 'kernel'), Buffer.alloc(kernelBytes, 7));
  writeFileSync(join(work, 'initramfs'), Buffer.alloc(initramfsBytes, 9));
  return {
    work, keys, pub: join(keys, 'update.pub'),
    release(name, version, ...extra) {
      const dir = join(work, name);
      const r = cliSync(['release', '--version', version, '--kernel', join(work, 'kernel'), '--initramfs', join(work, 'initramfs'), '--key', join(keys, 'update.key'), '--out', dir, ...extra]);
      assert.is(r.code, 0, r.stderr);
      return dir;
    },
  };
}

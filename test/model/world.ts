/**
 * The published world the model-based test updates from: signed releases made with our own
 * `release`, served on 127.0.0.1 by one server whose offered release the steps switch. Good
 * releases v1.1.0…v1.6.0; the same bytes relabelled v2.N.0 (a rolled-back release sneaking back
 * under a new name); one whose latest.json promises a SHA-256 its kernel does not have.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { publisher } from '../helpers/publisher.js';
import { sha256, type Published } from '../helpers/invariants.js';
import { writeSlotFiles } from '../helpers/sandbox.js';
import { serve, type TestServer } from '../helpers/updateServer.js';
import { tmpDir } from '../helpers/tmp.js';

export const GOOD = 6;

export type Offer = { good: number } | { relabelled: number } | 'wrong-sha';

/** One update server: sequences running side by side each have their own. */
export interface Server { url: string; offer(which: Offer): void; close(): Promise<void> }

export interface World {
  pub: string;
  /** Every release whose bytes a slot may legitimately hold, by version. */
  published: Published;
  server(): Promise<Server>;
}

export async function makeWorld(): Promise<World> {
  const p = publisher(4096, 16384);
  const published: Published = new Map();
  // What makeSandbox installs in slot A.
  const base = tmpDir('ksu-model-base-');
  published.set('v1.0.0', new Map(writeSlotFiles(base, 'v1.0.0').map((a) => [a.name, a.sha256])));
  const dirs = new Map<string, string>();
  const build = (name: string, version: string, seed: number) => {
    const kernel = Buffer.alloc(4096, seed), initramfs = Buffer.alloc(16384, seed + 100);
    writeFileSync(join(p.work, 'kernel'), kernel);
    writeFileSync(join(p.work, 'initramfs'), initramfs);
    // One serial for every release: the steps offer them in any order, and replay refusals by
    // serial are tested on their own (update/statement, update/ociStatement), not modelled here.
    dirs.set(name, p.release(name, version, '--serial', '1'));
    published.set(version, new Map([['vmlinuz', sha256(kernel)], ['kubesolo-os.gz', sha256(initramfs)]]));
  };
  for (let i = 1; i <= GOOD; i++) {
    build(`good-${i}`, `v1.${i}.0`, i);
    build(`relabelled-${i}`, `v2.${i}.0`, i);
  }
  build('wrong-sha', 'v1.9.0', 50);
  const wrong = dirs.get('wrong-sha')!;
  writeFileSync(join(wrong, 'vmlinuz'), Buffer.from(readFileSync(join(wrong, 'vmlinuz')).map((b) => b ^ 0xff)));
  published.delete('v1.9.0');
  const dirOf = (which: Offer) => (which === 'wrong-sha' ? wrong : 'good' in which ? dirs.get(`good-${which.good}`)! : dirs.get(`relabelled-${which.relabelled}`)!);
  return {
    pub: p.pub, published,
    async server() {
      let current = dirOf({ good: 1 });
      const srv: TestServer = await serve(() => current);
      return { url: srv.url, offer: (which) => { current = dirOf(which); }, close: () => srv.close() };
    },
  };
}

/**
 * The whole demo in one directory: the node (node/, the --root sandbox), the publisher
 * (publisher/), an update server on 127.0.0.1 and GRUB between boots. Throws (exit 1) at the
 * first step that does not go as scripted.
 */
import { join } from 'node:path';
import { pickBootloader, type GrubChoice } from './bootloader.js';
import type { Demo } from './demoNode.js';
import { badUpdate, goodUpdate } from './lifecycle.js';
import { grubVars, makeNode, slotVersionOf, writeConf } from './node.js';
import { Printer } from './printer.js';
import { buildReleases } from './publisher.js';
import { serveDir } from './staticServer.js';
import { summaryStep, type Story } from './summary.js';

const STORY: Story = { installed: 'v1.0.0', good: 'v1.1.0', bad: 'v1.2.0' };

export interface DemoOptions { grub: GrubChoice; write: (text: string) => void; tty: boolean }

export async function runDemo(dir: string, o: DemoOptions): Promise<void> {
  const print = new Printer(o.write);
  const root = join(dir, 'node');
  const { loader, why } = pickBootloader(o.grub, join(dir, 'grub-emu'));
  try {
    print.line('kubesolo-update demo: two updates of a KubeSolo node in a sandbox, each step run by the real CLI');
    print.line(`  directory:  ${dir}`);
    print.line(`  bootloader: ${loader.name}${why ? ` (grub-emu not used: ${why})` : ''}`);
    print.line(`  each command below runs in that directory as 'kubesolo-update --root node <command>'`);

    makeNode(root, STORY.installed);
    const env = grubVars(root);
    print.step(`the node: slot A runs ${slotVersionOf(root, 'A')} (slot B holds ${slotVersionOf(root, 'B')} too, as installed); `
      + `GRUB boots slot ${env.active_slot}, verified (boot_success=${env.boot_success})`);

    const pub = await buildReleases(dir, [
      { version: STORY.good, notes: `${STORY.good}: a good release (its health check passes)` },
      { version: STORY.bad, notes: `${STORY.bad}: a broken release (the demo fails its health check)` },
    ], print);
    const server = await serveDir(pub.dirs.get(STORY.good)!);
    try {
      const conf = writeConf(root, { server: server.url, pubkey: pub.pubkey });
      print.step(`publish: the update server on ${server.url} offers ${STORY.good}; the node's update.conf points at it, with the public key`);
      print.detail('node/etc/kubesolo/update.conf:');
      for (const l of conf.trimEnd().split('\n')) print.detail(`  ${l}`);
      // No kubeconfig: apply's node-block pre-flight must not reach a real cluster from a demo.
      const d: Demo = { root, cwd: dir, print, loader, tty: o.tty, env: { KUBECONFIG: join(root, 'etc/kubernetes/admin.conf') } };
      await goodUpdate(d, STORY.good);

      server.publish(pub.dirs.get(STORY.bad)!);
      print.step(`publish: the update server now offers ${STORY.bad}`);
      await badUpdate(d, STORY.bad);

      const result = await summaryStep(d, STORY);
      print.line(`\nAs scripted: ${result}`);
    } finally {
      await server.close();
    }
  } finally {
    loader.close();
  }
}

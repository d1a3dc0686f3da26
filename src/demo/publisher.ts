/**
 * The publisher's side, with the real commands: `keygen` for the signing key, `release` for
 * each signed release directory, built from small made-up artifacts (random bytes: what matters
 * is that they are hashed, signed and streamed, not what they boot).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectExit } from './expect.js';
import type { Printer } from './printer.js';
import { runCli } from './runCli.js';

export interface ReleaseSpec { version: string; notes: string }
export interface Published { pubkey: string; dirs: Map<string, string> }

const KERNEL_BYTES = 160 * 1024;
const INITRAMFS_BYTES = 320 * 1024;

/** Builds under `cwd`/publisher, running each command there so that the paths it shows are short. */
export async function buildReleases(cwd: string, specs: ReleaseSpec[], print: Printer): Promise<Published> {
  const keys = 'publisher/keys';
  const run = async (args: string[]) => {
    print.command(args);
    const r = await runCli(args, { cwd });
    print.output(r);
    expectExit(print, r, 0);
  };
  print.step(`publish: a signing key and ${specs.length} signed releases (${specs.map((s) => s.version).join(', ')}), made with keygen and release`);
  await run(['keygen', '--out', keys]);
  const dirs = new Map<string, string>();
  for (const s of specs) {
    const build = join('publisher/build', s.version);
    mkdirSync(join(cwd, build), { recursive: true });
    writeFileSync(join(cwd, build, 'vmlinuz'), randomBytes(KERNEL_BYTES));
    writeFileSync(join(cwd, build, 'kubesolo-os.gz'), randomBytes(INITRAMFS_BYTES));
    const out = join('publisher/releases', s.version);
    await run(['release', '--version', s.version, '--kernel', join(build, 'vmlinuz'), '--initramfs', join(build, 'kubesolo-os.gz'),
      '--key', join(keys, 'update.key'), '--notes', s.notes, '--out', out]);
    dirs.set(s.version, join(cwd, out));
  }
  return { pubkey: join(cwd, keys, 'update.pub'), dirs };
}

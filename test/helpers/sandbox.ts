/**
 * A KubeSolo node in a directory, for the boot-control tests: grubenv, the two slots, the kernel
 * command line and a boot id, all under --root. `stage` puts a release in a slot the way apply
 * will (until apply exists); `reboot` runs the bootloader — real GRUB (grub-emu) when given one,
 * else the proven TypeScript model — and boots the slot it picks.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventLog } from '../../events/log.js';
import type { ArtifactRecord, Slot } from '../../events/types.js';
import { abSelect, abVarsOf } from '../../src/boot/abSelectModel.js';
import type { GrubEmu } from '../../src/boot/grubEmu.js';
import type { SlotStore } from '../../src/boot/slots.js';
import { emptyGrubenv, parseGrubenv, setAll } from '../../src/boot/grubenv.js';
import { SCRIPT_VERSION } from '../../src/domain/facts.js';
import { cliSync } from './cli.js';
import { tmpDir } from './tmp.js';

export interface Sandbox { root: string; boot: number; dataDir: string; grubenv: string }

export function makeSandbox(version: string | null = 'v1.0.0'): Sandbox {
  const root = tmpDir('ksu-node-');
  const sb: Sandbox = { root, boot: 1, dataDir: join(root, 'var/lib/kubesolo/update'), grubenv: join(root, 'boot/grub/grubenv') };
  mkdirSync(join(root, 'boot/grub'), { recursive: true });
  writeFileSync(sb.grubenv, setAll(emptyGrubenv(), { active_slot: 'A', boot_counter: 3, boot_success: 1, ab_select_version: SCRIPT_VERSION }));
  if (version) writeSlot(sb, 'A', version);
  mkdirSync(join(root, 'slots/B'), { recursive: true });
  mkdirSync(join(root, 'proc/sys/kernel/random'), { recursive: true });
  bootInto(sb, 'A');
  return sb;
}

/** What the kernel shows after booting `slot`: its command line and a new boot id. */
export function bootInto(sb: Sandbox, slot: Slot): void {
  writeFileSync(join(sb.root, 'proc/cmdline'), `console=ttyS0 kubesolo.slot=${slot} kubesolo.data=LABEL=KSOLODATA\n`);
  writeFileSync(join(sb.root, 'proc/sys/kernel/random/boot_id'), `sandbox-boot-${sb.boot}\n`);
}

export function writeSlotFiles(dir: string, version: string): ArtifactRecord[] {
  mkdirSync(dir, { recursive: true });
  rmSync(join(dir, 'version'), { force: true });
  const artifacts: ArtifactRecord[] = [];
  for (const name of ['vmlinuz', 'kubesolo-os.gz'] as const) {
    const bytes = Buffer.from(`${name} of ${version} `.repeat(100));
    writeFileSync(join(dir, name), bytes);
    artifacts.push({ name, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length });
  }
  writeFileSync(join(dir, 'version'), `${version}\n`);
  return artifacts;
}

function writeSlot(sb: Sandbox, slot: Slot, version: string): ArtifactRecord[] {
  return writeSlotFiles(join(sb.root, 'slots', slot), version);
}

/** Writes a release into a slot of any store (a partition is mounted for it), as apply will. */
export function writeRelease(store: SlotStore, slot: Slot, version: string): Promise<ArtifactRecord[]> {
  return store.withDir(slot, 'rw', async (dir) => writeSlotFiles(dir, version));
}

/** Stages `version` into `slot` and records the attempt as apply will: AttemptStarted … Staged. */
export async function stage(sb: Sandbox, version: string, slot: Slot, fromVersion: string, attempt = `att-${version}-${sb.boot}`, store?: SlotStore): Promise<string> {
  // apply is a writer command: it reconciles (observes this boot) before it starts an attempt.
  const r = cliSync(['--root', sb.root, ...(store ? ['--slots', 'partitions'] : []), 'note', `staging ${version} into slot ${slot}`]);
  if (r.code !== 0) throw new Error(r.stderr);
  const artifacts = store ? await writeRelease(store, slot, version) : writeSlot(sb, slot, version);
  const log = await EventLog.open(sb.dataDir, { writer: true, bootId: `sandbox-boot-${sb.boot}` });
  const fromSlot: Slot = slot === 'A' ? 'B' : 'A';
  await log.append([
    { type: 'AttemptStarted', attempt, data: { fromVersion, fromSlot, toVersion: version, toSlot: slot, source: 'test' } },
    { type: 'MetadataFetched', attempt, data: { version, artifacts, signed: true } },
  ]);
  await log.append([{ type: 'Staged', attempt, data: { slot, version, artifacts } }]);
  await log.close();
  return attempt;
}

/** grubenv's variables, without the GRUB script's ab_select_version mark (tests of the mark read it themselves). */
export function env(sb: Sandbox): Record<string, string> {
  return Object.fromEntries(parseGrubenv(readFileSync(sb.grubenv)).filter(([k]) => k !== 'ab_select_version'));
}

/** Power-cycles the node: the bootloader runs on grubenv and the chosen slot boots. */
export function reboot(sb: Sandbox, grub: GrubEmu | null): Slot {
  const block = readFileSync(sb.grubenv);
  let slot: Slot;
  let after: Buffer;
  if (grub) {
    const [b] = grub.bootEach([block]);
    slot = b.slot!;
    after = b.block!;
  } else {
    const vars = new Map(parseGrubenv(block));
    const model = abSelect(abVarsOf(vars));
    slot = model.slot;
    after = model.saved ? setAll(block, model.saved) : block;
  }
  writeFileSync(sb.grubenv, after);
  sb.boot++;
  bootInto(sb, slot);
  return slot;
}

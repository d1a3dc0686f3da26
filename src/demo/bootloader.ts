/**
 * The demo's reboots. The bootloader is deploy/grub/ab-select.cfg run in real GRUB (grub-emu)
 * when it is installed, else abSelectModel.ts — the same rules in TypeScript, proven equal to
 * GRUB on every state (test/boot/abSelect.test.ts). KUBESOLO_DEMO_GRUB picks one: auto (the
 * default), emu (fail without grub-emu) or model.
 */
import { rmSync } from 'node:fs';
import type { Slot } from '../../events/types.js';
import { envVars } from '../boot/bootFacts.js';
import { abSelect, abVarsOf } from '../boot/abSelectModel.js';
import { GrubEmu, grubEmuUnavailable } from '../boot/grubEmu.js';
import { parseGrubenv, setAll } from '../boot/grubenv.js';
import { readGrubenvFile, writeGrubenvFile } from '../boot/grubenvFile.js';
import type { BootVars } from '../../events/types.js';
import { AgentError, usage } from '../errors.js';
import { bootInto, grubenvPath } from './node.js';

export type GrubChoice = 'auto' | 'emu' | 'model';

export interface Bootloader {
  /** How the demo names it to the operator. */
  name: string;
  /** The slot GRUB boots for this block, and the block as GRUB leaves it. */
  boot(block: Buffer): { slot: Slot; block: Buffer };
  close(): void;
}

export function grubChoice(raw: string | undefined): GrubChoice {
  if (raw === undefined || raw === '' || raw === 'auto') return 'auto';
  if (raw === 'emu' || raw === 'model') return raw;
  throw usage(`KUBESOLO_DEMO_GRUB takes auto, emu or model, not ${JSON.stringify(raw)}`);
}

const model: Bootloader = {
  name: 'the TypeScript model of deploy/grub/ab-select.cfg (src/boot/abSelectModel.ts, proven equal to GRUB)',
  boot(block) {
    const vars = new Map(parseGrubenv(block));
    const b = abSelect(abVarsOf(vars));
    return { slot: b.slot, block: b.saved ? setAll(block, b.saved) : block };
  },
  close() {},
};

function emu(workDir: string): Bootloader {
  const grub = new GrubEmu(workDir);
  return {
    name: 'real GRUB (grub-emu) running deploy/grub/ab-select.cfg',
    boot(block) {
      const [b] = grub.bootEach([block]);
      if (!b.slot || !b.block) throw new AgentError('FAILED', `grub-emu chose no slot:\n${b.output.slice(-1000)}`);
      return { slot: b.slot, block: b.block };
    },
    close() { rmSync(workDir, { recursive: true, force: true }); },
  };
}

/** The bootloader for `choice`, and why grub-emu is not used when it is not. */
export function pickBootloader(choice: GrubChoice, workDir: string): { loader: Bootloader; why: string | null } {
  if (choice === 'model') return { loader: model, why: 'KUBESOLO_DEMO_GRUB=model' };
  const missing = grubEmuUnavailable();
  if (missing && choice === 'emu') throw new AgentError('FAILED', `KUBESOLO_DEMO_GRUB=emu, but grub-emu cannot run: ${missing}`);
  if (missing) return { loader: model, why: missing };
  return { loader: emu(workDir), why: null };
}

export interface Reboot { slot: Slot; before: BootVars; after: BootVars }

/** Power-cycles the node: GRUB runs on its environment block (saving what it saves), and the chosen slot boots. */
export function reboot(root: string, loader: Bootloader): Reboot {
  const before = readGrubenvFile(grubenvPath(root));
  const { slot, block } = loader.boot(before);
  if (!block.equals(before)) writeGrubenvFile(grubenvPath(root), block);
  bootInto(root, slot);
  return { slot, before: envVars(before, grubenvPath(root)), after: envVars(block, grubenvPath(root)) };
}

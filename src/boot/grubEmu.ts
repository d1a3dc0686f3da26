/**
 * Runs deploy/grub/ab-select.cfg in real GRUB: grub-emu, with the environment blocks on a FAT
 * partition inside a GPT disk image (save_env writes through a file's block list, so the block
 * must live in a real file system), built with sfdisk, mkfs.fat and mtools — no root, no loop
 * device (recipe: shared GRUB-EMU.md). Many boots run in one grub-emu session.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Slot } from '../../events/types.js';

export const AB_SELECT_CFG = fileURLToPath(new URL('../../../deploy/grub/ab-select.cfg', import.meta.url));
const GRUB_MODULES = '/usr/lib/grub/x86_64-emu';
const TOOLS = ['grub-emu', 'sfdisk', 'mkfs.fat', 'mcopy', 'mmd'];
const PART = '@@1M';

/** Why grub-emu cannot run here, or null when it can. */
export function grubEmuUnavailable(): string | null {
  for (const t of TOOLS) if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) return `${t} is not installed`;
  if (!existsSync(GRUB_MODULES)) return `${GRUB_MODULES} is missing (package grub-emu)`;
  return null;
}

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '1' }, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return r.stdout;
}

export interface EmuBoot { slot: Slot | null; block: Buffer | null; output: string }

export class GrubEmu {
  private readonly img: string;

  constructor(private readonly dir: string, private readonly script = AB_SELECT_CFG) {
    mkdirSync(dir, { recursive: true });
    this.img = join(dir, 'disk.img');
    run('truncate', ['-s', '40M', this.img]);
    run('sfdisk', ['-q', this.img], 'label: gpt\nstart=2048, size=30000, type=uefi, name=KSOLOEFI\n');
    run('mkfs.fat', ['--offset', '2048', '-n', 'KSOLOEFI', this.img, '30000']);
    run('mmd', ['-i', this.img + PART, '::/grub']);
    writeFileSync(join(dir, 'device.map'), `(hd0) ${this.img}\n`);
  }

  /**
   * Boots once per block (null: no block at all), each as a fresh GRUB would see it, and returns
   * the slot GRUB chose and the block as GRUB left it.
   */
  bootEach(blocks: Array<Buffer | null>): EmuBoot[] {
    const work = join(this.dir, 'run');
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work);
    const names = blocks.map((_, i) => `e${i}`);
    const present = blocks.map((b, i) => (b ? names[i] : null)).filter((n): n is string => n !== null);
    for (const [i, b] of blocks.entries()) if (b) writeFileSync(join(work, names[i]), b);
    run('mdeltree', ['-i', this.img + PART, '::/grub']);
    run('mmd', ['-i', this.img + PART, '::/grub']);
    run('mcopy', ['-o', '-i', this.img + PART, this.script, '::/grub/ab-select.cfg']);
    if (present.length > 0) run('mcopy', ['-o', '-i', this.img + PART, ...present.map((n) => join(work, n)), '::/grub/']);
    const driver = ['insmod part_gpt', 'insmod fat', 'insmod loadenv', 'insmod echo', 'insmod test'];
    names.forEach((n, i) => {
      driver.push('set kubesolo_slot=""', `set kubesolo_env=(hd0,gpt1)/grub/${n}`, 'source (hd0,gpt1)/grub/ab-select.cfg', `echo "BOOT ${i} SLOT=[$kubesolo_slot]"`);
    });
    driver.push('halt');
    const driverPath = join(work, 'driver.cfg');
    writeFileSync(driverPath, driver.join('\n') + '\n');
    const r = spawnSync('grub-emu', ['-d', GRUB_MODULES, '-m', join(this.dir, 'device.map'), '-r', 'host'], {
      input: `configfile (host)${driverPath}\n`, encoding: 'latin1', timeout: 120_000,
    });
    const output = (r.stdout + r.stderr).replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '');
    const slots = new Map<number, Slot | null>();
    for (const m of output.matchAll(/BOOT (\d+) SLOT=\[([^\]]*)\]/g)) slots.set(Number(m[1]), m[2] === 'A' || m[2] === 'B' ? m[2] : null);
    if (slots.size !== blocks.length) throw new Error(`grub-emu reported ${slots.size} of ${blocks.length} boots:\n${output.slice(-2000)}`);
    const back = join(work, 'back');
    mkdirSync(back);
    if (present.length > 0) run('mcopy', ['-o', '-i', this.img + PART, ...present.map((n) => `::/grub/${n}`), back + '/']);
    return blocks.map((b, i) => ({ slot: slots.get(i)!, block: b ? readFileSync(join(back, names[i])) : null, output }));
  }
}

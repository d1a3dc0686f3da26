/**
 * One power-on of the VM, as a real QEMU run: OVMF, GRUB from the ESP, the kernel and initramfs
 * of the slot GRUB picks. With -no-reboot a reboot or a panic ends QEMU, so each run is exactly
 * one boot and the harness powers the machine on again. The network reaches the host's loopback
 * only: user networking with restrict=on, and one guestfwd to the update server.
 *
 * The harness is also the node's hardware watchdog, set up as README "A real machine" tells an
 * operator to: from the moment GRUB hands over to the kernel, userspace has `openS` to start
 * petting it (the kernel's watchdog.open_timeout), then `petS` between pets. The guest's
 * watchdog daemon pets it with a line on the console (PET); when nothing does in time, the
 * harness cuts the power.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import type { Disk } from './disk.js';
import { OVMF_CODE, OVMF_VARS } from './host.js';

export interface Watchdog {
  /** Seconds from GRUB's handover to the kernel until the first pet: the kernel must get userspace up. */
  openS: number;
  /** Seconds allowed between pets once the daemon runs. */
  petS: number;
}

export interface BootOptions {
  disk: Disk;
  agentDisk: string;
  /** This boot's instructions: a file the init sources after the post-boot healthcheck. */
  scriptDisk: string;
  serverPort: number;
  watchdog: Watchdog;
  /** Each console line as it arrives, with the seconds since power-on (npm run vm shows them). */
  onLine?: (line: string, atS: number) => void;
  /** Cut the power (SIGKILL) when this answers true for a console line. */
  cutPowerAt?: (line: string) => boolean;
  /** A boot that neither powers off nor stops petting is killed after this long, and fails. */
  limitS: number;
}

export type BootEnd = 'poweroff' | 'reboot' | 'panic' | 'watchdog' | 'power-cut' | 'limit' | 'exit';

export interface Boot {
  end: BootEnd;
  seconds: number;
  /** Seconds from power-on to GRUB's handover to the kernel, and to the watchdog daemon's first pet (null: never). */
  handoverS: number | null;
  firstPetS: number | null;
  lines: string[];
  /** `kubesolo-update CMD` exit codes the init printed, in order. */
  exits: Array<{ command: string; code: number }>;
  /** The GRUB menu entry booted ("KubeSolo OS (slot B)"), from the console. */
  entry: string | null;
  /** The kernel's boot id, as the init printed it (null when no init got that far). */
  bootId: string | null;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;=?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1bc|[\x00-\x08\x0b-\x1f\x7f]/g;
/** The box GRUB draws around its menu, in code page 437 read as latin1. */
const MENU_BOX = /[\u00b3\u00c4\u00da\u00bf\u00c0\u00d9]/g;

/** The guest's watchdog daemon's word: a line only it writes (guest/init.sh). */
const PET = 'kubesolo-watchdog-pet';

// eslint-disable-next-line no-control-regex
const CURSOR_MOVE = /\x1b\[\d+;\d+H/g;

function classify(lines: string[]): BootEnd {
  const text = lines.join('\n');
  if (text.includes('Kernel panic - not syncing')) return 'panic';
  if (/reboot: Power down/.test(text)) return 'poweroff';
  if (/reboot: Restarting system/.test(text)) return 'reboot';
  return 'exit';
}

export async function powerOn(o: BootOptions): Promise<Boot> {
  const vars = `${o.disk.path}.vars.fd`;
  // The firmware's NVRAM lives with the disk, as on a real board.
  if (!existsSync(vars)) copyFileSync(OVMF_VARS, vars);

  const args = [
    '-accel', 'tcg,thread=multi', '-cpu', 'max', '-smp', '2', '-m', '768', '-machine', 'q35',
    '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`,
    '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
    '-display', 'none', '-vga', 'none', '-monitor', 'none', '-no-reboot',
    '-serial', 'stdio',
    '-drive', `if=none,id=disk,format=raw,file=${o.disk.path}`, '-device', 'virtio-blk-pci,drive=disk,bootindex=0',
    '-drive', `if=none,id=agent,format=raw,readonly=on,file=${o.agentDisk}`, '-device', 'virtio-blk-pci,drive=agent',
    '-drive', `if=none,id=script,format=raw,readonly=on,file=${o.scriptDisk}`, '-device', 'virtio-blk-pci,drive=script',
    '-netdev', `user,id=n0,restrict=on,guestfwd=tcp:10.0.2.100:80-cmd:busybox nc 127.0.0.1 ${o.serverPort}`,
    '-device', 'virtio-net-pci,netdev=n0,romfile=',
  ];
  const started = Date.now();
  const qemu = spawn('qemu-system-x86_64', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '', stderr = '';
  let end: BootEnd | null = null;
  const cut = (why: BootEnd) => {
    if (end !== null || qemu.exitCode !== null) return;
    end = why;
    qemu.kill('SIGKILL');
  };
  const since = () => (Date.now() - started) / 1000;
  let timer: NodeJS.Timeout | undefined;
  let handover: number | null = null, firstPet: number | null = null;
  const arm = (s: number) => { clearTimeout(timer); timer = setTimeout(() => cut('watchdog'), s * 1000); };
  const pet = () => {
    firstPet ??= since();
    arm(o.watchdog.petS);
  };
  const limit = setTimeout(() => cut('limit'), o.limitS * 1000);

  const take = (raw: string) => {
    let line = raw.replace(ANSI, '').replace(MENU_BOX, '').trimEnd();
    if (line.includes(PET)) {
      pet();
      line = line.replaceAll(PET, '').trimEnd();
    }
    if (line.trim() === '') return;
    lines.push(line);
    if (handover === null && line.includes('Booting `')) {
      handover = since();
      if (firstPet === null) arm(o.watchdog.openS);
    }
    o.onLine?.(line, since());
    if (o.cutPowerAt?.(line)) cut('power-cut');
  };
  qemu.stdout.setEncoding('latin1');
  qemu.stdout.on('data', (d: string) => {
    // GRUB's menu moves the cursor instead of writing lines: each move starts a new line here.
    const parts = (partial + d.replace(CURSOR_MOVE, '\n')).split(/\r?\n|\r(?!\n)/);
    partial = parts.pop() ?? '';
    for (const p of parts) take(p);
  });
  qemu.stderr.on('data', (d) => { stderr += d; });
  const code = await new Promise<number | null>((r) => qemu.on('close', (c) => r(c)));
  take(partial);
  clearTimeout(timer);
  clearTimeout(limit);
  if (end === null && code !== 0) throw new Error(`qemu-system-x86_64 exited ${code}: ${stderr.trim()}`);

  const exits = lines.flatMap((l) => {
    const m = /kubesolo-vm: exit (\d+): kubesolo-update (.*)$/.exec(l);
    // The command is the first word that is not a global flag or its value (--wait 60 healthcheck).
    const command = m?.[2].split(' ').find((w, i, all) => /^[a-z]/.test(w) && all[i - 1] !== '--wait');
    return m && command ? [{ command, code: Number(m[1]) }] : [];
  });
  const entry = lines.map((l) => /Booting `([^']+)'/.exec(l)?.[1]).filter(Boolean).at(-1) ?? null;
  const bootId = lines.map((l) => /boot id ([0-9a-f-]{36})/.exec(l)?.[1]).find(Boolean) ?? null;
  return { end: end ?? classify(lines), seconds: since(), handoverS: handover, firstPetS: firstPet, lines, exits, entry, bootId };
}

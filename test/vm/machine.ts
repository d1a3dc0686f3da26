/**
 * One power-on of the VM, as a real QEMU run: OVMF, GRUB from the ESP, the kernel and initramfs
 * of the slot GRUB picks. With -no-reboot a reboot or a panic ends QEMU, so each run is exactly
 * one boot and the harness powers the machine on again. The network reaches the host's loopback
 * only: user networking with restrict=on, and one guestfwd to the update server.
 *
 * The harness is also the node's hardware watchdog: armed at power-on, petted by the guest's
 * watchdog daemon through the second serial port; when nothing pets it in time it cuts power.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Disk } from './disk.js';
import { OVMF_CODE, OVMF_VARS } from './host.js';

export interface Watchdog {
  /** Seconds from power-on to the first pet: firmware, GRUB and the kernel must get userspace up. */
  bootS: number;
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
  /** Each console line, as it arrives (npm run vm shows them). */
  onLine?: (line: string) => void;
  /** Cut the power (SIGKILL) when this answers true for a console line. */
  cutPowerAt?: (line: string) => boolean;
  /** A boot that neither powers off nor stops petting is killed after this long, and fails. */
  limitS: number;
}

export type BootEnd = 'poweroff' | 'reboot' | 'panic' | 'watchdog' | 'power-cut' | 'limit' | 'exit';

export interface Boot {
  end: BootEnd;
  seconds: number;
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
  const sock = `${o.disk.path}.wd.sock`;
  rmSync(sock, { force: true });
  let pet: () => void = () => {};
  // Only the daemon's word counts: the firmware writes its console to every serial port.
  const wd = createServer((c) => c.on('data', (d) => { if (d.includes('kubesolo-watchdog-pet')) pet(); }));
  await new Promise<void>((r) => wd.listen(sock, r));

  const args = [
    '-accel', 'tcg,thread=multi', '-cpu', 'max', '-smp', '2', '-m', '768', '-machine', 'q35',
    '-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${OVMF_CODE}`,
    '-drive', `if=pflash,format=raw,unit=1,file=${vars}`,
    '-display', 'none', '-vga', 'none', '-monitor', 'none', '-no-reboot',
    '-serial', 'stdio', '-chardev', `socket,id=wd,path=${sock}`, '-serial', 'chardev:wd',
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
  let timer = setTimeout(() => cut('watchdog'), o.watchdog.bootS * 1000);
  pet = () => { clearTimeout(timer); timer = setTimeout(() => cut('watchdog'), o.watchdog.petS * 1000); };
  const limit = setTimeout(() => cut('limit'), o.limitS * 1000);

  const take = (raw: string) => {
    const line = raw.replace(ANSI, '').replace(MENU_BOX, '').trimEnd();
    if (line.trim() === '') return;
    lines.push(line);
    o.onLine?.(line);
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
  await new Promise<void>((r) => wd.close(() => r()));
  rmSync(sock, { force: true });
  if (end === null && code !== 0) throw new Error(`qemu-system-x86_64 exited ${code}: ${stderr.trim()}`);

  const exits = lines.flatMap((l) => {
    const m = /kubesolo-vm: exit (\d+): kubesolo-update (.*)$/.exec(l);
    // The command is the first word that is not a global flag or its value (--wait 60 healthcheck).
    const command = m?.[2].split(' ').find((w, i, all) => /^[a-z]/.test(w) && all[i - 1] !== '--wait');
    return m && command ? [{ command, code: Number(m[1]) }] : [];
  });
  const entry = lines.map((l) => /Booting `([^']+)'/.exec(l)?.[1]).filter(Boolean).at(-1) ?? null;
  const bootId = lines.map((l) => /boot id ([0-9a-f-]{36})/.exec(l)?.[1]).find(Boolean) ?? null;
  return { end: end ?? classify(lines), seconds: (Date.now() - started) / 1000, lines, exits, entry, bootId };
}

/**
 * A KubeSolo node in QEMU and its publisher, for the VM lane: the releases built and signed with
 * our own keygen and release, the update server on the host's loopback, the disk, and one
 * method per power-on. Each boot's console is kept; KUBESOLO_VM_CONSOLE=1 shows it live.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliSync } from '../helpers/cli.js';
import { serve, type ServeOptions, type TestServer } from '../helpers/updateServer.js';
import { parseGrubenv } from '../../src/boot/grubenv.js';
import { buildDisk, readEsp, type Disk } from './disk.js';
import { buildAgentDisk, buildInitramfs, type Fault } from './guest.js';
import { cloudKernel, type Kernel } from './kernel.js';
import { powerOn, type Boot, type Watchdog } from './machine.js';

export interface ReleaseSpec { version: string; fault: Fault }

/** The node's update.conf: the server through the guestfwd, signatures required, checks that a live OS passes. */
const UPDATE_CONF = [
  'server=http://10.0.2.100',
  'pubkey=/etc/kubesolo/update.pub',
  'channel=stable',
  'checks=disk-writable,command',
  // What the stand-in OS's services leave when they are up (guest/init.sh).
  'check_command=test -s /run/kubesolo-os-ready',
  'timeout=60',
].join('\n');

export const WATCHDOG: Watchdog = { openS: 30, petS: 20 };

function must(args: string[]): string {
  const r = cliSync(args);
  if (r.code !== 0) throw new Error(`kubesolo-update ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

export class VmNode {
  readonly kernel: Kernel;
  readonly releases = new Map<string, string>();
  readonly boots: Boot[] = [];
  /** grubenv after each boot, read from the ESP between power-ons. */
  readonly envAfter: Array<Record<string, string>> = [];
  readonly serveOpts: ServeOptions = { stall: null };
  server!: TestServer;
  disk!: Disk;
  agentDisk!: string;
  private offered: string | null = null;
  private readonly keys: string;

  constructor(readonly work: string, private readonly log: (line: string) => void) {
    this.kernel = cloudKernel();
    this.keys = join(work, 'publisher/keys');
  }

  /** keygen, then one signed release directory per spec, made by `release` from the kernel and a built initramfs. */
  publishAll(specs: ReleaseSpec[]): void {
    must(['keygen', '--out', this.keys]);
    for (const s of specs) {
      const build = join(this.work, 'publisher/build', s.version);
      mkdirSync(build, { recursive: true });
      buildInitramfs(this.kernel, s.version, s.fault, join(build, 'kubesolo-os.gz'));
      const out = join(this.work, 'publisher/releases', s.version);
      must(['release', '--version', s.version, '--kernel', this.kernel.vmlinuz, '--initramfs', join(build, 'kubesolo-os.gz'),
        '--key', join(this.keys, 'update.key'), '--out', out, '--channel', 'stable', '--arch', 'amd64']);
      this.releases.set(s.version, out);
    }
  }

  /** The disk as installed: `first` in slot A, verified (boot_success=1), KSOLODATA holding update.conf and the key. */
  async install(first: string): Promise<void> {
    const data = join(this.work, 'data.tree');
    mkdirSync(join(data, 'etc/kubesolo'), { recursive: true });
    writeFileSync(join(data, 'etc/kubesolo/update.conf'), `${UPDATE_CONF}\n`);
    copyFileSync(join(this.keys, 'update.pub'), join(data, 'etc/kubesolo/update.pub'));
    const rel = this.releases.get(first)!;
    this.disk = buildDisk(join(this.work, 'node'), { vmlinuz: join(rel, 'vmlinuz'), initramfs: join(rel, 'kubesolo-os.gz'), version: first },
      { active_slot: 'A', boot_counter: '3', boot_success: '1' }, data);
    this.agentDisk = buildAgentDisk();
    this.server = await serve(() => this.releases.get(this.offered ?? first)!, {}, this.serveOpts);
  }

  /** What the update server offers from now on. */
  offer(version: string): void { this.offered = version; }

  /** One power-on; `script` is sourced by the init after the post-boot healthcheck (set next=reboot to reboot). */
  async boot(script: string, cutPowerAt?: (line: string) => boolean): Promise<Boot> {
    if (!this.disk) throw new Error('the machine was never built: the first failure says why');
    const n = this.boots.length + 1;
    const scriptDisk = join(this.work, 'node', 'this-boot.img');
    const body = Buffer.alloc(64 * 1024);
    body.write(`${script}\n`);
    writeFileSync(scriptDisk, body);
    const port = Number(new URL(this.server.url).port);
    const show = process.env.KUBESOLO_VM_CONSOLE === '1';
    const b = await powerOn({
      disk: this.disk, agentDisk: this.agentDisk, scriptDisk, serverPort: port, watchdog: WATCHDOG, limitS: 600,
      onLine: show ? (l, at) => this.log(`boot ${String(n).padStart(2)} ${at.toFixed(1).padStart(5)} s │ ${l}`) : undefined, cutPowerAt,
    });
    this.boots.push(b);
    const env = this.grubenv();
    this.envAfter.push(env);
    const vars = `grubenv ${env.active_slot}/${env.boot_counter}/${env.boot_success}${b.handoverS !== null ? `, kernel at ${b.handoverS.toFixed(1)} s` : ''}${b.firstPetS !== null ? `, first pet at ${b.firstPetS.toFixed(1)} s` : ''}`;
    this.log(`vm: boot ${n}: ${b.entry ?? 'no GRUB entry seen'}, ended by ${b.end} after ${b.seconds.toFixed(1)} s, ${vars}${b.exits.length ? `; ${b.exits.map((e) => `${e.command} ${e.code}`).join(', ')}` : ''}`);
    return b;
  }

  /** grubenv on the ESP as it is now (what GRUB and the agent left). */
  grubenv(): Record<string, string> {
    return Object.fromEntries(parseGrubenv(readEsp(this.disk, '/boot/grub/grubenv'), 'grubenv'));
  }

  async close(): Promise<void> { await this.server?.close(); }
}

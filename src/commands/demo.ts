import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { grubChoice } from '../demo/bootloader.js';
import { runDemo } from '../demo/runDemo.js';
import { usage } from '../errors.js';
import type { Command } from './command.js';

function emptyDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length > 0) throw usage(`--dir ${dir} is not empty; the demo builds a fresh node there`);
  return dir;
}

export const demo: Command = {
  name: 'demo',
  usage: 'demo [--dir DIR] [--keep]',
  help: `Runs the A/B update lifecycle on a throw-away node, with nothing but Node: a --root sandbox
(GRUB environment block, slots A and B as directories, kernel command line, boot id), a key pair
and two signed releases (keygen, release), an update server on 127.0.0.1, and this CLI as a
separate process for every step, printed as it goes:

  v1.1.0: check, apply, activate, reboot, healthcheck passes: verified on slot B
  v1.2.0: check, apply, activate, then three boots whose health checks fail; GRUB falls back to
          slot B by itself and the next healthcheck records the bootloader's rollback
  status and history

A reboot runs deploy/grub/ab-select.cfg on the sandbox's grubenv — in real GRUB (grub-emu) when
it is installed, else in its TypeScript model (proven equal to GRUB) — then writes the chosen
slot into the kernel command line with a new boot id. No Kubernetes is needed: the health check
is a command (true; false for v1.2.0), and KUBECONFIG points into the sandbox.

  --dir DIR   build everything in DIR (created if missing, must be empty) and keep it
  --keep      keep the temporary directory (removed otherwise; kept when a step fails)

Environment: KUBESOLO_DEMO_GRUB=auto (default: grub-emu when installed, else the model),
emu (grub-emu or fail), model (always the TypeScript model).

Exit codes: 0 every step went as scripted · 1 a step did not (one line names it and what
happened instead) · 2 bad flag, --dir not empty.
Afterwards: kubesolo-update --root DIR/node history --attempt ID (or events, verify, metrics).`,
  options: { dir: { type: 'string' }, keep: { type: 'boolean' } },
  async run({ values }, ctx) {
    if (ctx.json) throw usage('demo prints for people; it has no --json output');
    const grub = grubChoice(process.env.KUBESOLO_DEMO_GRUB);
    const given = values.dir as string | undefined;
    const dir = given ? emptyDir(resolve(given)) : mkdtempSync(join(tmpdir(), 'kubesolo-demo-'));
    const keep = given !== undefined || values.keep === true;
    let done = false;
    try {
      await runDemo(dir, { grub, write: (text) => process.stdout.write(text), tty: process.stdout.isTTY === true });
      done = true;
    } finally {
      if (done && !keep) rmSync(dir, { recursive: true, force: true });
      else ctx.out(`\n${done ? 'Kept' : 'The demo stopped; kept for a look'}: ${dir}  (try: kubesolo-update --root ${join(dir, 'node')} history)`);
    }
    return 0;
  },
};

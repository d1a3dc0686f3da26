/**
 * A node that went through the whole story, every step a real CLI process against a real update
 * server on 127.0.0.1, for the audit tests: a success (check, apply, activate, reboot, healthcheck),
 * an update GRUB rolls back after failed checks and three trial boots, and a gate refusal. Every
 * run's output is kept (`runs`), and, when asked, what `status` and `history` printed after each
 * step (`moments`), so a test can compare the past the log reconstructs with what was really shown.
 * Reboots run the bootloader's proven TypeScript model (real GRUB is cycle.test.ts's business).
 */
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import * as assert from 'uvu/assert';
import { cli, cliSync, type CliResult } from './cli.js';
import { makeSandbox, reboot, stage, type Sandbox } from './sandbox.js';
import { tmpDir } from './tmp.js';
import { serve, type TestServer } from './updateServer.js';

export interface Run { args: string[]; code: number | null; stdout: string; stderr: string }

/** What the readers printed right after a step: the ground truth `--at` / `--until` must reproduce. */
export interface Moment {
  step: string;
  /** The log's last seq and the time of its last event then (status --json's log.seq and state.updated_at). */
  seq: number;
  at: string;
  statusJson: string;
  statusText: string;
  historyJson: string;
  historyText: string;
}

export interface AuditedNode {
  sb: Sandbox;
  /** A second, small node: activate, then a manual rollback and bootenv init (outputs the story has not). */
  sb2: Sandbox;
  runs: Run[];
  moments: Moment[];
  /** Attempt ids, oldest first: success, rolled back by the bootloader, refused by a gate. */
  attempts: string[];
  server: TestServer;
}

export const PASS = ['--checks', 'disk-writable', '--timeout', '2'];
export const FAIL = ['--checks', 'command', '--check-command', 'exit 1', '--timeout', '1'];

/**
 * Runs the story. `json`: every command with --json (apply also with --progress json), else the
 * human forms. `moments`: capture status and history after each step (four more runs a step).
 * `everyCommand` (default true): then run every other command once, on this node and on `sb2`;
 * without it, one note follows the last moment (so the log and checkpoint move past it).
 */
export async function auditedNode(opts: { json: boolean; moments?: boolean; everyCommand?: boolean }): Promise<AuditedNode> {
  const runs: Run[] = [];
  const moments: Moment[] = [];
  const flag = opts.json ? ['--json'] : [];
  const keep = (args: string[], r: CliResult, code: number): Run => {
    assert.is(r.code, code, `${args.join(' ')}: exit ${r.code}\n${r.stdout}${r.stderr}`);
    const run = { args, code: r.code, stdout: r.stdout, stderr: r.stderr };
    runs.push(run);
    return run;
  };
  const work = tmpDir('ksu-audit-');
  keep(['keygen'], cliSync(['keygen', '--out', join(work, 'keys'), ...flag]), 0);
  writeFileSync(join(work, 'kernel'), Buffer.alloc(20_000, 7));
  writeFileSync(join(work, 'initramfs'), Buffer.alloc(50_000, 9));
  const release = (version: string, channel: string) => {
    const out = join(work, version);
    const args = ['release', '--version', version, '--kernel', join(work, 'kernel'), '--initramfs', join(work, 'initramfs'),
      '--key', join(work, 'keys/update.key'), '--out', out, '--channel', channel, '--notes', `release ${version}`];
    keep(args, cliSync([...args, ...flag]), 0);
    return out;
  };
  const releases = [release('v1.1.0', 'stable'), release('v1.2.0', 'stable'), release('v1.2.1', 'beta')];
  let offered = releases[0];
  const server = await serve(() => offered);
  const update = ['--server', server.url, '--pubkey', join(work, 'keys/update.pub'), '--channel', 'stable'];

  const sb = makeSandbox('v1.0.0');
  const ksu = async (args: string[], code = 0) => keep(args, await cli(['--root', sb.root, ...args, ...flag]), code);
  const reader = (args: string[]) => {
    const r = cliSync(['--root', sb.root, ...args]);
    assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const moment = (step: string) => {
    if (!opts.moments) return;
    const statusJson = reader(['status', '--json']);
    const s = JSON.parse(statusJson);
    moments.push({
      step, seq: s.log.seq, at: s.state.updated_at, statusJson, statusText: reader(['status']),
      historyJson: reader(['history', '--json']), historyText: reader(['history']),
    });
  };

  await ksu(['note', 'node installed']);
  moment('installed');
  await ksu(['check', ...update]);
  moment('checked');
  await ksu(['apply', ...update, ...(opts.json ? ['--progress', 'json'] : [])]);
  moment('v1.1.0 staged');
  await ksu(['activate']);
  moment('v1.1.0 activated');
  reboot(sb, null);
  await ksu(['healthcheck', ...PASS]);
  moment('v1.1.0 succeeded');

  offered = releases[1];
  await ksu(['apply', ...update]);
  await ksu(['activate']);
  moment('v1.2.0 activated');
  reboot(sb, null);
  await ksu(['healthcheck', ...FAIL], 1);
  moment('v1.2.0 failing its checks');
  // Two more trial boots that never reach the agent, then GRUB falls back.
  for (let i = 0; i < 3; i++) reboot(sb, null);
  await ksu(['note', 'back on B after the fallback']);
  moment('v1.2.0 rolled back by the bootloader');

  offered = releases[2];
  await ksu(['apply', ...update], 3);
  moment('v1.2.1 refused by the channel gate');

  const attempts = (JSON.parse(reader(['history', '--json'])).attempts as Array<{ id: string }>).map((a) => a.id).reverse();
  const sb2 = makeSandbox('v1.0.0');
  if (opts.everyCommand === false) {
    await ksu(['note', 'after the story']);
    return { sb, sb2, runs, moments, attempts, server };
  }
  for (const args of [['status'], ['history'], ...attempts.map((id) => ['history', '--attempt', id]), ['events'], ['verify'], ['config', ...update], ['metrics']]) {
    await ksu(args);
  }
  await ksu(['check', ...update]);
  await ksu(['rebuild']);
  await ksu(['repair', '--accept-loss']);

  await stage(sb2, 'v1.1.0', 'B', 'v1.0.0');
  for (const args of [['activate'], ['rollback'], ['bootenv', 'init']]) keep(args, await cli(['--root', sb2.root, ...args, ...flag]), 0);
  return { sb, sb2, runs, moments, attempts, server };
}

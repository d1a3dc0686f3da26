/**
 * The health checks. Each answers within its timeout with ok and, when not ok, a short detail.
 * The Kubernetes ones ask kubectl (KUBECONFIG or the KubeSolo admin kubeconfig); without it they
 * fail and say so.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';

export interface CheckEnv {
  dataDir: string;
  root: string;
  healthcheckUrl: string | null;
  commands: string[];
  /** ms allowed for one run of one check. */
  timeoutMs: number;
  /** Epoch ms now, for "running for 30 s" (the clock adapter). */
  now: () => number;
}

export type Outcome = { ok: true } | { ok: false; detail: string };
type Check = (env: CheckEnv) => Promise<Outcome>;

/** Bytes of stdout and of stderr kept per run: a check could print forever. */
export const OUTPUT_CAP = 64 * 1024;
/** How long to wait, after the group is gone, for output still in the pipes. */
const DRAIN_MS = 200;
/** Longest delay setTimeout honours; a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  timeoutMs: number;
  /** Why it could not be started (ENOENT and the like), else null. */
  error: string | null;
  out: string;
  err: string;
}

/** Process groups of checks still running, killed if the agent exits in the middle of one. */
const live = new Set<number>();
let exitHookSet = false;

const killGroup = (pid: number | undefined) => {
  if (pid === undefined) return;
  try { process.kill(-pid, 'SIGKILL'); } catch { /* ESRCH: the group is already empty */ }
};

/**
 * Runs one check command in its own process group so that it can be killed with everything it
 * started. Answers when the main process exits (what it left behind is killed then) or at the
 * timeout (the whole group is killed), never on the pipes closing: a background grandchild could
 * hold them open for as long as it likes.
 */
export function run(cmd: string, args: string[], timeoutMs: number): Promise<Ran> {
  return new Promise((resolve) => {
    const out: Buffer[] = [], err: Buffer[] = [];
    const kept = { out: 0, err: 0 };
    let timedOut = false, error: string | null = null, code: number | null = null, signal: NodeJS.Signals | null = null;
    let killTimer: NodeJS.Timeout | undefined, drainTimer: NodeJS.Timeout | undefined, done = false;
    let child: ChildProcess;

    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(killTimer);
      clearTimeout(drainTimer);
      child?.stdout?.destroy();
      child?.stderr?.destroy();
      // Only matters if the process never exited (stuck in the kernel): it must not hold the agent.
      child?.unref();
      if (child?.pid !== undefined) live.delete(child.pid);
      resolve({ code, signal, timedOut, timeoutMs, error, out: Buffer.concat(out).toString(), err: Buffer.concat(err).toString() });
    };
    const drainThenFinish = () => {
      killGroup(child.pid);
      if (drainTimer === undefined) drainTimer = setTimeout(finish, DRAIN_MS);
    };

    try {
      child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (e) {
      error = (e as Error).message;
      return finish();
    }
    if (child.pid !== undefined) {
      live.add(child.pid);
      if (!exitHookSet) {
        exitHookSet = true;
        process.on('exit', () => { for (const pid of live) killGroup(pid); });
      }
    }
    const keep = (into: Buffer[], which: 'out' | 'err') => (d: Buffer) => {
      const room = OUTPUT_CAP - kept[which];
      if (room <= 0) return;
      const part = d.length > room ? d.subarray(0, room) : d;
      into.push(part);
      kept[which] += part.length;
    };
    child.stdout!.on('data', keep(out, 'out'));
    child.stderr!.on('data', keep(err, 'err'));
    killTimer = setTimeout(() => { timedOut = true; drainThenFinish(); }, Math.min(Math.max(timeoutMs, 0), MAX_TIMER_MS));
    child.on('error', (e) => { error ??= e.message; drainThenFinish(); });
    child.on('exit', (c, s) => { clearTimeout(killTimer); code = c; signal = s; drainThenFinish(); });
    child.on('close', finish);
  });
}

/** Why a run that did not exit 0 failed, in a few words. */
function why(r: Ran): string {
  if (r.timedOut) return `timed out after ${r.timeoutMs} ms; its process group was killed`;
  if (r.error !== null) return `could not start: ${r.error}`;
  if (r.signal !== null) return `killed by ${r.signal}`;
  return `exited ${r.code}`;
}

const firstLine = (s: string) => s.trim().split('\n')[0]?.slice(0, 200) ?? '';

async function kubectlJson(env: CheckEnv, args: string[]): Promise<{ ok: true; json: unknown } | { ok: false; detail: string }> {
  const r = await run('kubectl', [...args, '-o', 'json'], env.timeoutMs);
  if (r.timedOut || r.error !== null) return { ok: false, detail: `kubectl: ${why(r)}` };
  if (r.code !== 0) return { ok: false, detail: `kubectl: ${firstLine(r.err) || why(r)}` };
  try { return { ok: true, json: JSON.parse(r.out) }; } catch { return { ok: false, detail: 'kubectl printed something that is not JSON' }; }
}

function httpStatus(url: string, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    let u: URL;
    try { u = new URL(url); } catch { return resolve(`not a URL: ${url}`); }
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => resolve(e.message));
    req.end();
  });
}

export const CHECKS: Record<string, Check> = {
  async 'disk-writable'(env) {
    const dir = env.dataDir;
    const path = join(dir, `.healthcheck-${process.pid}`);
    const data = randomBytes(1024);
    try {
      mkdirSync(dir, { recursive: true });
      const fd = openSync(path, 'w');
      try { writeSync(fd, data); fsyncSync(fd); } finally { closeSync(fd); }
      const back = readFileSync(path);
      return back.equals(data) ? { ok: true } : { ok: false, detail: `${path} read back differently` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    } finally {
      try { rmSync(path, { force: true }); } catch { /* the failure is already the answer */ }
    }
  },
  async 'probe-url'(env) {
    if (!env.healthcheckUrl) return { ok: false, detail: 'no healthcheck_url configured' };
    const s = await httpStatus(env.healthcheckUrl, env.timeoutMs);
    return s === 200 ? { ok: true } : { ok: false, detail: typeof s === 'number' ? `HTTP ${s}` : s };
  },
  async command(env) {
    for (const c of env.commands) {
      const r = await run('sh', ['-c', c], env.timeoutMs);
      if (r.code !== 0) return { ok: false, detail: `${JSON.stringify(c)} ${why(r)}${firstLine(r.err) ? `: ${firstLine(r.err)}` : ''}` };
    }
    return { ok: true };
  },
  containerd(env) {
    const socket = join(env.root, 'run/containerd/containerd.sock');
    return new Promise((resolve) => {
      const s = connect(socket);
      const timer = setTimeout(() => { s.destroy(); resolve({ ok: false, detail: `${socket}: no answer` }); }, env.timeoutMs);
      s.on('connect', () => { clearTimeout(timer); s.destroy(); resolve({ ok: true }); });
      s.on('error', (e) => { clearTimeout(timer); resolve({ ok: false, detail: `${socket}: ${e.message}` }); });
    });
  },
  async apiserver(env) {
    const r = await run('kubectl', ['get', '--raw', '/readyz'], env.timeoutMs);
    if (r.timedOut || r.error !== null) return { ok: false, detail: `/readyz: ${why(r)}` };
    return r.code === 0 && r.out.trim() === 'ok' ? { ok: true } : { ok: false, detail: `/readyz: ${firstLine(r.err || r.out) || 'no answer'}` };
  },
  async 'node-ready'(env) {
    const r = await kubectlJson(env, ['get', 'nodes']);
    if (!r.ok) return r;
    const nodes = ((r.json as { items?: unknown[] }).items ?? []) as Array<{ metadata?: { name?: string }; status?: { conditions?: Array<{ type: string; status: string }> } }>;
    if (nodes.length === 0) return { ok: false, detail: 'no node registered' };
    const notReady = nodes.filter((n) => !n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return notReady.length === 0 ? { ok: true } : { ok: false, detail: `not Ready: ${notReady.map((n) => n.metadata?.name ?? '?').join(', ')}` };
  },
  async 'kube-system'(env) {
    const r = await kubectlJson(env, ['get', 'pods', '-n', 'kube-system']);
    if (!r.ok) return r;
    const pods = ((r.json as { items?: unknown[] }).items ?? []) as Array<{ metadata?: { name?: string }; status?: { phase?: string; startTime?: string } }>;
    const bad = pods.filter((p) => {
      if (p.status?.phase === 'Succeeded') return false;
      const since = Date.parse(p.status?.startTime ?? '');
      return p.status?.phase !== 'Running' || !(env.now() - since >= 30_000);
    });
    return bad.length === 0 ? { ok: true } : { ok: false, detail: `not Running for 30 s: ${bad.map((p) => p.metadata?.name ?? '?').slice(0, 5).join(', ')}` };
  },
};

export const CHECK_NAMES = Object.keys(CHECKS);

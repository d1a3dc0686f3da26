/**
 * The health checks. Each answers within its timeout with ok and, when not ok, a short detail.
 * The Kubernetes ones ask kubectl (KUBECONFIG or the KubeSolo admin kubeconfig); without it they
 * fail and say so.
 */
import { spawn } from 'node:child_process';
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

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); resolve({ code: null, out, err: e.message }); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out, err }); });
  });
}

const firstLine = (s: string) => s.trim().split('\n')[0]?.slice(0, 200) ?? '';

async function kubectlJson(env: CheckEnv, args: string[]): Promise<{ ok: true; json: unknown } | { ok: false; detail: string }> {
  const r = await run('kubectl', [...args, '-o', 'json'], env.timeoutMs);
  if (r.code === null) return { ok: false, detail: `kubectl: ${firstLine(r.err) || 'timed out'}` };
  if (r.code !== 0) return { ok: false, detail: `kubectl: ${firstLine(r.err) || `exit ${r.code}`}` };
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
      if (r.code !== 0) return { ok: false, detail: `${JSON.stringify(c)} ${r.code === null ? 'timed out' : `exited ${r.code}`}${r.err ? `: ${firstLine(r.err)}` : ''}` };
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

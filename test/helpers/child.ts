import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Helper {
  child: ChildProcess;
  /** Resolves with the "ready" line; rejects if the child ends first. */
  ready: Promise<string>;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Starts one of test/helpers' child programs (compiled) and collects its stdout lines. */
export function spawnHelper(name: 'appender' | 'holdLock', args: string[], env: NodeJS.ProcessEnv = {}): Helper {
  const script = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  let err = '';
  let onReady: (l: string) => void = () => {};
  let onFail: (e: Error) => void = () => {};
  const ready = new Promise<string>((res, rej) => { onReady = res; onFail = rej; });
  ready.catch(() => {});
  child.stdout!.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(line);
      if (line.startsWith('ready')) onReady(line);
    }
  });
  child.stderr!.on('data', (d) => { err += d; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.on('close', (code, signal) => { onFail(new Error(`child ended before ready: ${err}`)); res({ code, signal }); });
  });
  return { child, ready, lines, exited, stderr: () => err };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it gives a value (a throw counts as not yet: a server still starting), or
 * fails naming `what` after `ms`.
 */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 15_000, everyMs = 50): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve().then(probe).catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A real `kubesolo-update serve` child on 127.0.0.1, for tests and the bench. */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './cli.js';

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  stderr(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export async function startServe(globalArgs: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, ...globalArgs, 'serve', '--listen', '127.0.0.1:0', '--json'], { env: { ...process.env, ...env } });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve(JSON.parse(line).listening);
    });
    exited.then((code) => reject(new Error(`serve exited ${code} before listening: ${err}`)));
  });
  return { url, child, stderr: () => err, stop: () => { child.kill('SIGTERM'); return exited; } };
}

/** GET a path; the body as text. */
export async function get(url: string, init: RequestInit = {}): Promise<{ status: number; body: string; type: string | null }> {
  const r = await fetch(url, init);
  return { status: r.status, body: await r.text(), type: r.headers.get('content-type') };
}

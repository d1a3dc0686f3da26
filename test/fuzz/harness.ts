/**
 * The fuzz runner: N seeded cases per target, each timed and weighed, behind a watchdog thread
 * that kills the process (after printing the case) if one case ever stops returning. A failing
 * case prints its seed, index, how it was made and its bytes in hex, and the command that replays
 * it alone. Env: FUZZ_SEED (decimal or 0x…), FUZZ_CASES (cases per target), FUZZ_CASE (run only
 * that index), FUZZ_CLI_CASES (CLI cases per target), FUZZ_CLI_JOBS (CLI processes at a time).
 */
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { AgentError, codeOf, exitCodeOf } from '../../src/errors.js';
import { CLI } from '../helpers/cli.js';
import { caseRng, type Rng } from './prng.js';

export const SEED = parseSeed(process.env.FUZZ_SEED) ?? 0x5eed2026;
export const CASES = Number(process.env.FUZZ_CASES ?? 10000);
export const CLI_CASES = Number(process.env.FUZZ_CLI_CASES ?? 20);
/** CLI processes at a time (the machine has 2 cores; the runs also wait on fsync). */
export const CLI_JOBS = Number(process.env.FUZZ_CLI_JOBS ?? 2);
const ONLY = process.env.FUZZ_CASE === undefined ? null : Number(process.env.FUZZ_CASE);
const MiB = 1024 * 1024;

function parseSeed(s: string | undefined): number | null {
  if (s === undefined || s === '') return null;
  const n = Number(s);
  if (!Number.isFinite(n)) throw new Error(`FUZZ_SEED must be a number, not ${JSON.stringify(s)}`);
  return n >>> 0;
}

export interface Case {
  input: Buffer;
  /** valid | mutated | random | a target's own class (e.g. huge). */
  kind: string;
  /** How it was made (mutation operators), for the failure message. */
  how?: string;
  [more: string]: unknown;
}

export interface Target<C extends Case = Case> {
  name: string;
  /** The file under dist/test, for the replay command. */
  file: string;
  cases?: number;
  gen(r: Rng, index: number): C;
  /** Throws when a property fails; may return an outcome label (returned, refused, …) to tally. */
  check(c: C, r: Rng): string | void;
  /** Slowest a single case may be (ms). */
  maxCaseMs?: number;
  /** Most external memory (ArrayBuffers) one case may leave allocated, and the run may grow by. */
  maxCaseBytes?: number;
  maxRunBytes?: number;
}

export interface Stats {
  cases: number;
  kinds: Record<string, number>;
  outcomes: Record<string, number>;
  slowestMs: number;
  slowestCase: number;
  maxCaseGrowth: number;
  peakArrayBuffers: number;
  peakRss: number;
  ms: number;
}

export function hexPreview(b: Buffer, max = 256): string {
  return `${b.length} bytes: ${b.subarray(0, max).toString('hex')}${b.length > max ? '…' : ''}`;
}

/** The command that reruns one case (run.mjs appends `.*\.test\.js$` to the pattern). */
function replay(t: { file: string }, index: number): string {
  return `FUZZ_SEED=${SEED} FUZZ_CASE=${index} node test/run.mjs "(${t.file.replace(/\.test\.js$/, '')})"`;
}

// The watchdog: a thread that reads the case in progress from shared memory and, when one case
// has run for WATCHDOG_MS, prints it and SIGKILLs the process (a hang in synchronous code cannot
// be interrupted from inside, and must not hang CI).
const WATCHDOG_MS = Number(process.env.FUZZ_WATCHDOG_MS ?? 20000);
const PREVIEW = 128;
const sab = new SharedArrayBuffer(24 + PREVIEW);
const started = new Float64Array(sab, 0, 1);
const slots = new Int32Array(sab, 8, 3); // case index, active flag, preview length
const preview = new Uint8Array(sab, 24, PREVIEW);
const watchdog = new Worker(`
  const { parentPort, workerData } = require('node:worker_threads');
  const { writeSync } = require('node:fs');
  const started = new Float64Array(workerData.sab, 0, 1);
  const slots = new Int32Array(workerData.sab, 8, 3);
  const preview = new Uint8Array(workerData.sab, 24, ${PREVIEW});
  let label = '?';
  parentPort.on('message', (m) => { label = m; });
  setInterval(() => {
    if (Atomics.load(slots, 1) !== 1) return;
    const ms = Date.now() - started[0];
    if (ms < workerData.limit) return;
    const hex = Buffer.from(preview.slice(0, Atomics.load(slots, 2))).toString('hex');
    writeSync(2, '\\nfuzz watchdog: ' + label + ': case ' + Atomics.load(slots, 0) + ' has run ' + ms + ' ms: a hang. Input starts ' + hex + '\\n');
    process.kill(process.pid, 'SIGKILL');
  }, 100);
`, { eval: true, workerData: { sab, limit: WATCHDOG_MS } });
watchdog.unref();

/** Runs every case of a target; throws on the first failing one, with its replay line. */
export function runFuzz<C extends Case>(t: Target<C>): Stats {
  const cases = t.cases ?? CASES;
  const maxCaseBytes = t.maxCaseBytes ?? 32 * MiB;
  const stats: Stats = { cases: 0, kinds: {}, outcomes: {}, slowestMs: 0, slowestCase: -1, maxCaseGrowth: 0, peakArrayBuffers: 0, peakRss: 0, ms: 0 };
  watchdog.postMessage(`${t.name} (seed ${SEED}; replay: ${replay(t, 0).replace('FUZZ_CASE=0', 'FUZZ_CASE=<case>')})`);
  const base = process.memoryUsage();
  const t0 = performance.now();
  const indexes = ONLY === null ? Array.from({ length: cases }, (_, i) => i) : [ONLY];
  for (const index of indexes) {
    const r = caseRng(SEED, index);
    let c: C | undefined;
    Atomics.store(slots, 2, 0);
    Atomics.store(slots, 0, index);
    started[0] = Date.now();
    Atomics.store(slots, 1, 1);
    try {
      // Making the case runs under the watchdog too: the generators call our own writers.
      c = t.gen(r, index);
      stats.kinds[c.kind] = (stats.kinds[c.kind] ?? 0) + 1;
      const shown = c.input.subarray(0, PREVIEW);
      preview.set(shown);
      Atomics.store(slots, 2, shown.length);
      const before = process.memoryUsage().arrayBuffers;
      started[0] = Date.now();
      const s = performance.now();
      const outcome = t.check(c, r);
      const ms = performance.now() - s;
      Atomics.store(slots, 1, 0);
      if (outcome) stats.outcomes[outcome] = (stats.outcomes[outcome] ?? 0) + 1;
      const after = process.memoryUsage();
      const growth = after.arrayBuffers - before;
      if (ms > stats.slowestMs) { stats.slowestMs = ms; stats.slowestCase = index; }
      stats.maxCaseGrowth = Math.max(stats.maxCaseGrowth, growth);
      stats.peakArrayBuffers = Math.max(stats.peakArrayBuffers, after.arrayBuffers - base.arrayBuffers);
      stats.peakRss = Math.max(stats.peakRss, after.rss - base.rss);
      if (ms > (t.maxCaseMs ?? 1000)) throw new Error(`took ${ms.toFixed(0)} ms (bound ${t.maxCaseMs ?? 1000} ms)`);
      if (growth > maxCaseBytes) throw new Error(`left ${(growth / MiB).toFixed(1)} MiB of buffers allocated (bound ${maxCaseBytes / MiB} MiB)`);
    } catch (err) {
      Atomics.store(slots, 1, 0);
      const e = err as Error;
      const what = c ? `${c.kind}${c.how ? `: ${c.how}` : ''}` : 'while making the case';
      console.log(`\n    fuzz ${t.name}: case ${index} (seed ${SEED}, ${what}) failed: ${e?.stack ?? e}`);
      if (c) console.log(`    input ${hexPreview(c.input)}`);
      console.log(`    replay: ${replay(t, index)}`);
      throw new Error(`fuzz ${t.name}: case ${index} of seed ${SEED} failed: ${e?.message ?? e}`);
    }
    stats.cases++;
  }
  stats.ms = performance.now() - t0;
  const kinds = Object.entries(stats.kinds).map(([k, n]) => `${k} ${n}`).join(', ');
  const outcomes = Object.entries(stats.outcomes).map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(`    fuzz ${t.name}: ${stats.cases} cases (${kinds}${outcomes ? `; ${outcomes}` : ''}) in ${(stats.ms / 1000).toFixed(1)} s; slowest ${stats.slowestMs.toFixed(1)} ms (case ${stats.slowestCase}); `
    + `buffers +${(stats.peakArrayBuffers / MiB).toFixed(0)} MiB, rss +${(stats.peakRss / MiB).toFixed(0)} MiB; seed ${SEED}`);
  const maxRun = t.maxRunBytes ?? 256 * MiB;
  if (stats.peakArrayBuffers > maxRun) throw new Error(`fuzz ${t.name}: buffers grew by ${(stats.peakArrayBuffers / MiB).toFixed(0)} MiB over the run (bound ${maxRun / MiB} MiB)`);
  if (stats.peakRss > 2 * maxRun) throw new Error(`fuzz ${t.name}: rss grew by ${(stats.peakRss / MiB).toFixed(0)} MiB over the run (bound ${2 * maxRun / MiB} MiB)`);
  return stats;
}

/** Every class of case was made at least `min` times (so a generator bug cannot hollow out a run). */
export function assertMix(stats: Stats, kinds: string[], min = 100): void {
  if (ONLY !== null || stats.cases < 1000) return;
  for (const k of kinds) {
    if ((stats.kinds[k] ?? 0) < Math.min(min, stats.cases / 20)) throw new Error(`only ${stats.kinds[k] ?? 0} ${k} cases of ${stats.cases}`);
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;
const BUILTIN: ErrorClass[] = [TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError];

/**
 * The error is one the module documents (an instance of one of `kinds`, not a built-in JS error),
 * with a message; an AgentError carries a code the exit table knows (not INTERNAL).
 */
export function assertDocumented(err: unknown, kinds: ErrorClass[], where: string): void {
  if (!(err instanceof Error)) throw new Error(`${where}: threw a non-Error: ${String(err)}`);
  if (BUILTIN.some((k) => err instanceof k) || !kinds.some((k) => err instanceof k)) {
    throw new Error(`${where}: threw an undocumented ${err.constructor.name}: ${err.message}`, { cause: err });
  }
  if (typeof err.message !== 'string' || err.message.trim() === '') throw new Error(`${where}: threw ${err.constructor.name} without a message`);
  if (err instanceof AgentError && (codeOf(err) === 'INTERNAL' || typeof exitCodeOf(err) !== 'number')) {
    throw new Error(`${where}: AgentError with code ${err.code} has no exit code`);
  }
}

/** Calls fn; returns its value or the documented error it threw (anything else fails). */
export function returnsOrThrows<T>(fn: () => T, kinds: ErrorClass[], where: string): { value: T } | { error: Error } {
  try {
    return { value: fn() };
  } catch (err) {
    assertDocumented(err, kinds, where);
    return { error: err as Error };
  }
}

// ---- the CLI ----------------------------------------------------------------------------------

export interface CliRun { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }

const DOCUMENTED_EXITS = [0, 1, 2, 3, 74, 75];

/** Runs the built CLI; a run past `timeoutMs` is killed and reported as a hang. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr, ms: performance.now() - t0 }); });
  });
}

/**
 * The CLI met the garbage the way the README promises: a documented exit code (one of `codes`),
 * no signal, no stack trace, no "internal error"; on failure exactly one error line on stderr in
 * the `kubesolo-update: <command>: …` shape (warnings and notes aside), on success none.
 */
export function assertCliOutcome(r: CliRun, command: string, codes: number[]): void {
  if (r.signal) throw new Error(`killed by ${r.signal} after ${r.ms.toFixed(0)} ms (a hang?)\n${r.stderr}`);
  if (!DOCUMENTED_EXITS.includes(r.code!) || !codes.includes(r.code!)) throw new Error(`exit ${r.code}, expected one of ${codes.join(', ')}\nstderr: ${r.stderr}`);
  if (/^\s+at /m.test(r.stderr)) throw new Error(`a stack trace on stderr:\n${r.stderr}`);
  if (/internal error/.test(r.stderr)) throw new Error(`an internal error:\n${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  // Warnings and notes (what reconciliation found, recorded either way) are not errors.
  const informational = (l: string) => l.startsWith(`kubesolo-update: ${command}: warning: `) || l.startsWith(`kubesolo-update: ${command}: note: `) || l.startsWith('warning: ');
  const errors = lines.filter((l) => !informational(l));
  if (r.code === 0) {
    if (errors.length !== 0) throw new Error(`exit 0 but stderr has non-warning lines:\n${r.stderr}`);
    return;
  }
  if (errors.length !== 1 || !errors[0].startsWith(`kubesolo-update: ${command}: `)) {
    throw new Error(`expected exactly one "kubesolo-update: ${command}: …" error line, got:\n${r.stderr}`);
  }
}

/**
 * Runs `count` async CLI cases, `concurrency` at a time; `lane` (0 … concurrency-1) is the worker
 * running the case, so each worker can keep a sandbox of its own. A failure names seed and case.
 */
export async function runCliCases(name: string, file: string, count: number, fn: (r: Rng, index: number, lane: number) => Promise<void>, concurrency = CLI_JOBS): Promise<void> {
  let next = 0;
  let slowest = 0;
  let failed = false;
  const t0 = performance.now();
  const indexes = ONLY === null ? Array.from({ length: count }, (_, i) => i) : [ONLY];
  const worker = async (lane: number) => {
    while (next < indexes.length && !failed) {
      const index = indexes[next++];
      const s = performance.now();
      try {
        await fn(caseRng(SEED ^ 0xc11, index), index, lane);
      } catch (err) {
        failed = true;
        const e = err as Error & { input?: Buffer };
        console.log(`\n    fuzz ${name} (CLI): case ${index} (seed ${SEED}) failed: ${e.message}`);
        if (e.input) console.log(`    input ${hexPreview(e.input)}`);
        console.log(`    replay: ${replay({ file }, index)}`);
        throw new Error(`fuzz ${name} (CLI): case ${index} of seed ${SEED} failed: ${e.message}`);
      }
      slowest = Math.max(slowest, performance.now() - s);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, lane) => worker(lane)));
  const ms = performance.now() - t0;
  console.log(`    fuzz ${name} (CLI): ${indexes.length} runs in ${(ms / 1000).toFixed(1)} s; slowest ${slowest.toFixed(0)} ms`);
}

/** Attaches the input to an error so runCliCases can print it. */
export function withInput<T>(input: Buffer, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw Object.assign(err as Error, { input });
  }
}

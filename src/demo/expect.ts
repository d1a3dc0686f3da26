/**
 * The demo is a script with a known ending; when a step ends differently, the demo stops there
 * with one line naming the step and what happened instead (exit 1).
 */
import { AgentError } from '../errors.js';
import type { Printer } from './printer.js';
import type { Ran } from './runCli.js';

export function expectThat(print: Printer, ok: boolean, what: string): asserts ok {
  if (!ok) throw new AgentError('FAILED', `${print.where} did not go as scripted: ${what}`);
}

export function expectExit(print: Printer, r: Ran, code: number): void {
  const why = r.stderr.trim().split('\n').pop();
  expectThat(print, r.code === code, `expected exit ${code}, got ${r.code}${why ? ` (${why})` : ''}`);
}

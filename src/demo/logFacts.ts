/**
 * What the node's log says, asked through the CLI's own readers (status --json, events,
 * history --json): readers take no lock and append nothing, so asking changes no outcome.
 */
import type { AttemptJson } from '../../projections/historyView.js';
import type { StatusJson } from '../../projections/statusView.js';
import { AgentError } from '../errors.js';
import { runCli } from './runCli.js';

export type { StatusJson, AttemptJson };

export interface LoggedEvent { seq: number; type: string; attempt?: string; data: Record<string, unknown> }

async function read(root: string, args: string[]): Promise<string> {
  const r = await runCli(['--root', root, ...args]);
  if (r.code !== 0) throw new AgentError('FAILED', `kubesolo-update ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

export async function statusOf(root: string): Promise<StatusJson> {
  return JSON.parse(await read(root, ['status', '--json'])) as StatusJson;
}

/** Attempts, newest first. */
export async function attemptsOf(root: string): Promise<AttemptJson[]> {
  return (JSON.parse(await read(root, ['history', '--json'])) as { attempts: AttemptJson[] }).attempts;
}

/** Events of the given types (comma-separated), oldest first. */
export async function eventsOf(root: string, types: string): Promise<LoggedEvent[]> {
  const out = await read(root, ['events', '--type', types]);
  return out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LoggedEvent);
}

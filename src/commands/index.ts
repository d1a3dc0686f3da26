/**
 * The command table: each command's name, the line `--help` lists for it, and how to load it.
 * Only the command that runs is imported, so `status` never pays for `serve`'s HTTP and rxjs or
 * `metrics`' prom-client: on edge hardware module loading is most of a reader's run.
 */
import type { Command } from './command.js';

export interface CommandEntry {
  name: string;
  /** One line in `kubesolo-update --help`. */
  summary: string;
  load(): Promise<Command>;
}

/** In the order `--help` lists them. */
export const COMMANDS: CommandEntry[] = [
  { name: 'status', summary: 'slots, boot environment, the current attempt and the log position', load: async () => (await import('./status.js')).status },
  { name: 'history', summary: 'every update attempt, newest first', load: async () => (await import('./history.js')).history },
  { name: 'check', summary: 'ask the update server what is available, and whether apply would take it', load: async () => (await import('./check.js')).check },
  { name: 'apply', summary: 'download, verify and stage the offered release into the passive slot', load: async () => (await import('./apply.js')).apply },
  { name: 'activate', summary: 'point the bootloader at the staged slot, on trial', load: async () => (await import('./activate.js')).activate },
  { name: 'rollback', summary: 'point the bootloader back at the other slot', load: async () => (await import('./rollback.js')).rollback },
  { name: 'healthcheck', summary: 'run the health checks; on a slot on trial, mark it good or count the failure', load: async () => (await import('./healthcheck.js')).healthcheck },
  { name: 'bootenv', summary: 'bootenv init: write a complete GRUB environment block from what the log knows', load: async () => (await import('./bootenv.js')).bootenv },
  { name: 'events', summary: 'print the raw event log as JSON lines', load: async () => (await import('./events.js')).events },
  { name: 'note', summary: 'add an operator note to the audit trail', load: async () => (await import('./note.js')).note },
  { name: 'verify', summary: 'check every record of the log (checksums, seq order, hash chain)', load: async () => (await import('./verify.js')).verify },
  { name: 'repair', summary: 'acknowledge a lost log range (--accept-loss) after reviewing it', load: async () => (await import('./repair.js')).repair },
  { name: 'rebuild', summary: 'rebuild state.json and the checkpoint from the whole log', load: async () => (await import('./rebuild.js')).rebuild },
  { name: 'metrics', summary: 'print the Prometheus metrics once, or write them for node_exporter', load: async () => (await import('./metrics.js')).metrics },
  { name: 'config', summary: 'the effective configuration and where each value came from', load: async () => (await import('./config.js')).config },
  { name: 'keygen', summary: 'publisher: make an Ed25519 key pair for signing releases', load: async () => (await import('./keygen.js')).keygen },
  { name: 'release', summary: 'publisher: build a signed release directory to serve', load: async () => (await import('./release.js')).release },
  { name: 'serve', summary: 'HTTP: /metrics for Prometheus, /status, /history, /events (live), /healthz', load: async () => (await import('./serve.js')).serve },
  { name: 'demo', summary: 'a whole update lifecycle in a sandbox: one update verified, one rolled back by GRUB', load: async () => (await import('./demo.js')).demo },
];

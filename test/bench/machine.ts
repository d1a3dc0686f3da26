/** The machine a benchmark ran on, printed above its table: figures mean little without it. */
import { cpus, freemem, loadavg, release, totalmem } from 'node:os';

export interface Machine { cpu: string; cpus: number; memoryGiB: number; freeGiB: number; node: string; kernel: string; loadAtStart: number[] }

export function machine(): Machine {
  const c = cpus();
  return {
    cpu: c[0]?.model.trim() ?? 'unknown', cpus: c.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10, freeGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    node: process.version, kernel: release(), loadAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function describeMachine(m: Machine): string {
  return `machine: ${m.cpu} × ${m.cpus} · ${m.memoryGiB} GiB memory (${m.freeGiB} free) · Node ${m.node} · Linux ${m.kernel} · load average at start ${m.loadAtStart.join(' / ')} (1 / 5 / 15 min)`;
}

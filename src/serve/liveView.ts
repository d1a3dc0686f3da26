/**
 * The projections of a running `serve`, kept in memory and advanced as other processes append:
 * loaded once (checkpoint + tail), then folded forward event by event from follow$. No request
 * replays the log; the rendered metrics are cached until the log moves.
 */
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { LogCursor, type LogPosition, type LogProblem } from '../../events/cursor.js';
import { nodeFs } from '../../events/logFs.js';
import { segmentStats } from '../../events/segments.js';
import { follow$ } from '../../events/stream.js';
import { evolve, type Projections } from '../../projections/index.js';
import { metricFamilies } from '../../projections/metrics.js';
import { registryOf } from '../../projections/metricsRegistry.js';
import type { LogFacts } from '../../projections/statusView.js';
import { loadProjections } from '../persist/store.js';

export class LiveView {
  private projections: Projections;
  private readonly cursor: LogCursor;
  private readonly sub: Subscription;
  private facts: LogFacts | null = null;
  private metrics: { seq: number; text: Promise<string> } | null = null;
  /** Set at load when the log is behind its checkpoint; the LogLost a writer records then says it instead. */
  private behind: string | null;

  constructor(private readonly dataDir: string, onProblem: (p: LogProblem) => void, pollMs?: number) {
    const loaded = loadProjections(dataDir, { onProblem });
    this.projections = loaded.projections;
    this.behind = loaded.behind;
    const eventsDir = join(dataDir, 'events');
    this.cursor = new LogCursor(eventsDir, { start: loaded.position, onProblem });
    this.sub = follow$(eventsDir, { cursor: this.cursor, pollMs }).subscribe({
      next: (e) => {
        this.projections = evolve(this.projections, e);
        if (e.type === 'LogLost') this.behind = null;
        this.facts = null;
      },
      error: (err) => onProblem({ segment: '?', offset: 0, bytes: 0, kind: 'corrupt', reason: `reading stopped: ${(err as Error).message}` }),
    });
  }

  get seq(): number { return this.cursor.lastSeq; }

  get state(): Projections { return this.projections; }

  /** Where this view has read to: a new /events stream without ?since starts here. */
  get position(): LogPosition { return this.cursor.position; }

  /** Seq, head and size of the log as far as this view has read it. */
  logFacts(): LogFacts {
    if (!this.facts) {
      const p = this.cursor.position;
      this.facts = { seq: p.seq, head: p.head, ...segmentStats(nodeFs, join(this.dataDir, 'events')), behind: this.behind };
    }
    return this.facts;
  }

  /** The Prometheus exposition; rendered once per log position. */
  metricsText(): Promise<string> {
    const seq = this.seq;
    if (this.metrics?.seq !== seq) this.metrics = { seq, text: registryOf(metricFamilies(this.projections, this.logFacts())).metrics() };
    return this.metrics.text;
  }

  close(): void { this.sub.unsubscribe(); }
}

import { rmSync } from 'node:fs';
import { systemClock } from '../../events/systemClock.js';
import { checkpointPath } from '../persist/store.js';
import type { Command } from './command.js';
import { persistViews } from '../session/views.js';
import { withSession } from '../session/writer.js';

export const rebuild: Command = {
  name: 'rebuild',
  usage: 'rebuild',
  help: `Deletes the persisted views (state.json and the checkpoint) and folds every event of the log
again from seq 1. They are caches of the log; this is what to run after restoring a backup, or to
prove the log alone explains them. Takes the writer lock (see --wait).

Prints how many events were folded and how long it took.`,
  options: {},
  async run(_args, ctx) {
    return withSession(ctx, async () => {
      rmSync(checkpointPath(ctx.paths.dataDir), { force: true });
      rmSync(ctx.paths.state, { force: true });
      const started = systemClock();
      const loaded = persistViews(ctx, { ignoreCheckpoint: true });
      const ms = systemClock() - started;
      if (!loaded) return 74;
      const rate = ms > 0 ? Math.round((loaded.replayed / ms) * 1000) : loaded.replayed;
      ctx.out(ctx.json
        ? JSON.stringify({ events: loaded.replayed, ms, seq: loaded.position.seq, head: loaded.position.head })
        : `rebuilt state.json and the checkpoint from ${loaded.replayed} events in ${ms} ms (${rate} events/s); log at seq ${loaded.position.seq}`);
      return 0;
    });
  },
};

/** The persisted views (checkpoint and state.json): caches rebuilt from the log, written by writers. */
import { systemClock } from '../../events/systemClock.js';
import { loadProjections, saveProjections, type Loaded } from '../persist/store.js';

export interface ViewsEnv { paths: { dataDir: string; state: string }; warn(text: string): void }

/** Brings checkpoint and state.json up to the log. Failing to write them is a warning. */
export function persistViews(env: ViewsEnv, opts: { ignoreCheckpoint?: boolean } = {}): Loaded | null {
  try {
    const loaded = loadProjections(env.paths.dataDir, { ignoreCheckpoint: opts.ignoreCheckpoint });
    saveProjections(env.paths.dataDir, env.paths.state, loaded, systemClock());
    return loaded;
  } catch (err) {
    env.warn(`warning: could not write state.json or the checkpoint (they are rebuilt next time): ${(err as Error).message}`);
    return null;
  }
}

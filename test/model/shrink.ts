/**
 * Shrinks a failing sequence of steps (delta debugging): drop chunks, halving their size down to
 * single steps, keeping any removal after which the sequence still fails. Bounded by `budget`
 * re-runs, since each re-run boots a fresh node.
 */
export async function shrink<S>(steps: S[], fails: (steps: S[]) => Promise<string | null>, budget = 150): Promise<{ steps: S[]; failure: string | null; runs: number }> {
  let best = steps;
  let failure = await fails(best);
  let runs = 1;
  for (let size = Math.max(1, Math.floor(best.length / 2)); size >= 1 && runs < budget; size = Math.floor(size / 2)) {
    for (let at = 0; at < best.length && runs < budget; ) {
      const candidate = [...best.slice(0, at), ...best.slice(at + size)];
      const f = candidate.length > 0 ? await fails(candidate) : null;
      runs++;
      if (f) { best = candidate; failure = f; } else at += size;
    }
  }
  return { steps: best, failure, runs };
}

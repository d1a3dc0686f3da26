/** The wall clock, for the shell only: pure code takes time as an argument. */
export const systemClock = (): number => Date.now();

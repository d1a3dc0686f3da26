/** Public API of the event log: `import { EventLog } from 'kubesolo-update/events'`. */
export { EventLog, type OpenOptions } from './log.js';
export { LogError, LockHeldError, type LogErrorCode, type LockOwner } from './errors.js';
export type { LogProblem } from './cursor.js';
export type { AppendResult } from './writer.js';
export type { Evidence } from './evidence.js';
export type { VerifyReport } from './verify.js';
export { replay$, follow$, type StreamOptions } from './stream.js';
export { upcast, UPCASTERS, type Upcaster, type UpcasterTable } from './upcast.js';
export * from './types.js';

/**
 * One key style in every `--json`: snake_case. Payloads stored in camelCase (event data, the
 * verify report) gain a snake_case twin of each camelCase key beside it, with the same value;
 * the camelCase key stays, because scripts may already read it (keys are added, never renamed).
 * Pure.
 */

/** A key with a hump (a lower-case letter or digit before an upper-case one) is camelCase. */
export const isCamelCase = (key: string): boolean => /[a-z0-9][A-Z]/.test(key);

/** `lastSeq` → `last_seq`, `minCompatibleVersion` → `min_compatible_version`; other keys as they are. */
export function snakeCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

// Event data has few distinct keys: each key's twin (or none) is worked out once.
const twins = new Map<string, string | null>();
function twinOf(key: string): string | null {
  let t = twins.get(key);
  if (t === undefined) {
    t = isCamelCase(key) ? snakeCase(key) : null;
    if (twins.size < 10_000) twins.set(key, t);
  }
  return t;
}

/** Sets a key as an own property, even one named __proto__ (stored data may have it). */
function put(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/**
 * `value` with every object that has a camelCase key given its snake_case twin right after it,
 * at every depth. A twin never replaces a key that is already there. Objects that need no twin
 * are returned as they are (the events export runs this on every event).
 */
export function withSnakeKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let items: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const v = withSnakeKeys(value[i]);
      if (v !== value[i]) (items ??= value.slice())[i] = v;
    }
    return items ?? value;
  }
  const src = value as Record<string, unknown>;
  let out: Record<string, unknown> | null = null;
  const keys = Object.keys(src);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = withSnakeKeys(src[k]);
    const twin = twinOf(k);
    const addTwin = twin !== null && !Object.prototype.hasOwnProperty.call(src, twin);
    if (out === null && (v !== src[k] || addTwin)) {
      out = {};
      for (let j = 0; j < i; j++) put(out, keys[j], src[keys[j]]);
    }
    if (out === null) continue;
    put(out, k, v);
    if (addTwin) out[twin!] = v;
  }
  return out ?? value;
}

/**
 * Whether an offered release may be read at all, before any gate: with a key configured, only a
 * signed statement whose serial is not older than the highest this node has accepted from that
 * key and which has not expired — or, where the operator allows it, a Go-era latest.json signed
 * the old way. Pure: the clock and the log's highest serial come in as values.
 */
import type { NewEvent } from '../../events/types.js';
import { refuse, type Refusal } from './plan.js';
import { byRule } from './rules.js';

/** What the shell verified: the statement's signature checked out against `key` (a short key id). */
export interface StatementSeen { key: string; serial: number; expires: string; published: string }

export interface Authenticity {
  keyConfigured: boolean;
  /** A signature verified: over a statement (`statement` set) or, Go-era, over latest.json's bytes. */
  signed: boolean;
  statement: StatementSeen | null;
  /** Where the release came from, as messages name it. */
  url: string;
}

export interface AuthenticityRules { now: number; highestSerial: number | null; allowLegacy: boolean }

function failed(error: string, current: string | null): Refusal {
  return refuse(error, [{ type: 'UpdateChecked', data: { current: current ?? '', available: false, error } } satisfies NewEvent], 'FAILED');
}

export function judgeAuthenticity(o: Authenticity, r: AuthenticityRules, current: string | null): Refusal | null {
  if (!o.keyConfigured) return null;
  if (!o.signed) {
    return failed(`a public key is configured, but ${o.url} is not signed (no signed statement): refusing to act on unauthenticated metadata ${byRule('authenticated')}`, current);
  }
  const s = o.statement;
  if (!s) {
    if (r.allowLegacy) return null;
    return failed(`the release at ${o.url} is signed the Go agent's way, without a signed statement and its serial, so a replayed older release could not be told apart; republish it with 'kubesolo-update release', or set allow_legacy_signature=1 in update.conf while Go-era publishers remain`, current);
  }
  if (r.highestSerial !== null && s.serial < r.highestSerial) {
    return failed(`the signed statement at ${o.url} has serial ${s.serial}, older than serial ${r.highestSerial} this node already accepted from key ${s.key}: a replayed older publication is refused`, current);
  }
  const expires = Date.parse(s.expires);
  if (r.now > expires) {
    return failed(`the signed statement at ${o.url} (serial ${s.serial}) expired at ${s.expires}; the publisher must sign it again (kubesolo-update release), or this node's clock is wrong`, current);
  }
  return null;
}

/** What an accepted statement adds to the UpdateChecked that records it: the serial the log keeps. */
export const acceptedSerial = (o: Authenticity): { statement?: { key: string; serial: number } } =>
  o.keyConfigured && o.statement ? { statement: { key: o.statement.key, serial: o.statement.serial } } : {};

/** The highest serial this node accepted from the statement's key, as the log recorded it. */
export const highestSerial = (node: { serials: Record<string, number> }, s: StatementSeen | null): number | null =>
  (s ? node.serials[s.key] ?? null : null);

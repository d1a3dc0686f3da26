/** The statement `release` signs, from its flags and the publication time. Pure. */
import { signWith } from './signing.js';
import { encodeStatement, signedMessage, STATEMENT_PURPOSE, type Statement } from './statement.js';

export interface StatementSpec {
  source: string | null; version: string; channel: string; architecture: string; minCompatible: string | null;
  serial: number; publishedMs: number; expiresInDays: number;
}

export function statementOf(s: StatementSpec, binds: Pick<Statement, 'manifest'> | Pick<Statement, 'artifacts'>): Statement {
  return {
    purpose: STATEMENT_PURPOSE, source: s.source, version: s.version, channel: s.channel, architecture: s.architecture,
    min_compatible_version: s.minCompatible, ...binds, serial: s.serial,
    published: new Date(s.publishedMs).toISOString(), expires: new Date(s.publishedMs + s.expiresInDays * 86_400_000).toISOString(),
  };
}

export function signStatement(st: Statement, privatePem: string): { text: Buffer; signatureHex: string } {
  const text = encodeStatement(st);
  return { text, signatureHex: signWith(privatePem, signedMessage(text)).toString('hex') };
}

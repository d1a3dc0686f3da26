/**
 * Just enough Markdown for the docs tests: the headings' anchors as GitHub makes them, the
 * relative links, and the rows of tables. Fenced code blocks and inline code are not Markdown
 * to GitHub either, so nothing inside them counts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The lines outside fenced code blocks, with their 1-based line numbers. */
export function proseLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let fenced = false;
  text.split('\n').forEach((l, i) => {
    if (/^\s*```/.test(l)) { fenced = !fenced; return; }
    if (!fenced) out.push({ line: i + 1, text: l });
  });
  return out;
}

/** Returns the anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'. */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Returns every heading's anchor in the file, a repeated one suffixed -1, -2 … as GitHub does. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const { text: l } of proseLines(text)) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(l);
    if (!m) continue;
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

export interface Link { line: number; target: string }

/** Returns the links of the file that point into the repository (no scheme), outside code. */
export function relativeLinks(text: string): Link[] {
  const out: Link[] = [];
  for (const { line, text: l } of proseLines(text)) {
    const prose = l.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1]!;
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) out.push({ line, target });
    }
  }
  return out;
}

/**
 * Returns one line per link of `file` that does not resolve: a missing file, or an anchor that
 * no heading of the target Markdown file has. Empty when every link resolves.
 */
export function brokenLinks(file: string): string[] {
  const problems: string[] = [];
  for (const { line, target } of relativeLinks(readFileSync(file, 'utf8'))) {
    const [path, anchor] = target.split('#', 2) as [string, string | undefined];
    const dest = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
    if (!existsSync(dest)) { problems.push(`${file}:${line}: ${target}: no such file`); continue; }
    if (anchor === undefined) continue;
    if (!dest.endsWith('.md')) { problems.push(`${file}:${line}: ${target}: an anchor into a file that is not Markdown`); continue; }
    if (!anchors(readFileSync(dest, 'utf8')).has(anchor)) problems.push(`${file}:${line}: ${target}: no heading with that anchor`);
  }
  return problems;
}

/** Returns the absolute paths `file` links to (anchors dropped). */
export function linkedFiles(file: string): Set<string> {
  return new Set(relativeLinks(readFileSync(file, 'utf8'))
    .map(({ target }) => target.split('#', 1)[0]!)
    .filter((path) => path !== '')
    .map((path) => resolve(dirname(file), decodeURIComponent(path))));
}

/** Returns the cells of every table row (lines starting with '|'), outside code, header rows included. */
export function tableRows(text: string): string[][] {
  return proseLines(text)
    .filter(({ text: l }) => l.startsWith('|') && !/^\|[\s|:-]+\|$/.test(l))
    .map(({ text: l }) => l.replace(/\\\|/g, '\u0000').split('|').slice(1, -1).map((c) => c.replace(/\u0000/g, '|').trim()));
}

/** Returns the text from the heading `## title` to the next heading of level 2 or above. */
export function section(text: string, title: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l === `## ${title}`);
  if (start < 0) return '';
  const end = lines.findIndex((l, i) => i > start && /^#{1,2} /.test(l));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

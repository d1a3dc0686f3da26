/**
 * The README and docs/ hold together: every relative link (and anchor) resolves, every docs page
 * is linked from the README, and the README stays short enough to read to the end. The checker
 * is first shown to catch a broken link, a wrong anchor and an unlinked page, so it cannot pass
 * by finding nothing.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { anchors, brokenLinks, linkedFiles, slug } from '../helpers/markdown.js';
import { tmpDir } from '../helpers/tmp.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const README = join(REPO, 'README.md');
const DOCS = join(REPO, 'docs');
const docsPages = (): string[] => readdirSync(DOCS).filter((f) => f.endsWith('.md')).sort().map((f) => join(DOCS, f));
const MAX_README_LINES = 300;

test('anchors are made the way GitHub makes them', () => {
  assert.is(slug('`--json` output'), '--json-output');
  assert.is(slug('update.conf'), 'updateconf');
  assert.is(slug('How it works, and the decisions behind it'), 'how-it-works-and-the-decisions-behind-it');
  assert.is(slug('Library API (`kubesolo-update/events`)'), 'library-api-kubesolo-updateevents');
  assert.equal([...anchors('# A\n```\n# not a heading\n```\n## A\n## B c')], ['a', 'a-1', 'b-c']);
});

test('the checker reports a missing file, a wrong anchor and ignores code and URLs', () => {
  const dir = tmpDir('ksu-docs-');
  mkdirSync(join(dir, 'docs'));
  writeFileSync(join(dir, 'docs', 'page.md'), '# Page\n\n## Real section\n');
  writeFileSync(join(dir, 'README.md'), [
    '# Top', '',
    '[ok](docs/page.md#real-section) [self](#top) [web](https://example.com/x.md)',
    '[gone](docs/missing.md) [bad anchor](docs/page.md#no-such-section) [bad self](#nowhere)',
    '`[in code](docs/missing.md)`', '```', '[in a fence](docs/missing.md)', '```', '',
  ].join('\n'));
  const problems = brokenLinks(join(dir, 'README.md'));
  assert.equal(problems.map((p) => p.replace(/^.*README\.md:/, '')), [
    '4: docs/missing.md: no such file',
    '4: docs/page.md#no-such-section: no heading with that anchor',
    '4: #nowhere: no heading with that anchor',
  ]);
  assert.ok(linkedFiles(join(dir, 'README.md')).has(join(dir, 'docs', 'page.md')));
  assert.not.ok(linkedFiles(join(dir, 'README.md')).has(join(dir, 'docs', 'missing-but-unlinked.md')));
});

test('every relative link in README.md, docs/ and deploy/README.md resolves, anchors included', () => {
  const files = [README, join(REPO, 'deploy', 'README.md'), ...docsPages()];
  const problems = files.flatMap(brokenLinks);
  assert.equal(problems, [], problems.join('\n'));
});

test('every docs page is linked from the README', () => {
  const linked = linkedFiles(README);
  const pages = docsPages();
  assert.ok(pages.length >= 10, `docs/ has ${pages.length} pages`);
  const unlinked = pages.filter((p) => !linked.has(p));
  assert.equal(unlinked, [], `not linked from README.md: ${unlinked.join(', ')}`);
});

test(`the README stays under ${MAX_README_LINES} lines`, () => {
  const lines = readFileSync(README, 'utf8').split('\n').length;
  assert.ok(lines < MAX_README_LINES, `README.md has ${lines} lines; move reference text into docs/`);
});

test.run();

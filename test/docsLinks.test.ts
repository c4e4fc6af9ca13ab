import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers/paths.js';

/** The README and every Markdown file under docs/. */
const documents = [
  path.join(REPO, 'README.md'),
  ...readdirSync(path.join(REPO, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join(REPO, 'docs', name)),
];

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

/** The anchors of a Markdown file's headings (outside code blocks). */
function anchors(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1]!)));
}

/** Every relative link target of a Markdown file, outside code blocks and code spans. */
function relativeLinks(file: string): string[] {
  const text = readFileSync(file, 'utf8')
    .replace(/^```[\s\S]*?^```/gm, '')
    .replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1]!).filter((target) => !/^[a-z]+:/i.test(target));
}

describe('the documentation', () => {
  it.each(documents.map((file) => [path.relative(REPO, file), file]))('%s: every relative link leads to a file (and heading) that exists', (_, file) => {
    const broken = relativeLinks(file).filter((target) => {
      const [linked, anchor] = target.split('#') as [string, string | undefined];
      const destination = linked === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(linked));
      if (!existsSync(destination)) return true;
      return anchor !== undefined && destination.endsWith('.md') && !anchors(destination).has(anchor);
    });
    expect(broken).toEqual([]);
  });

  it('links every file of docs/ from the README', () => {
    const readme = path.join(REPO, 'README.md');
    const linked = new Set(relativeLinks(readme).map((target) => path.resolve(REPO, target.split('#')[0]!)));
    const unlinked = documents.filter((file) => file !== readme && !linked.has(file) && !linked.has(path.dirname(file)));
    expect(unlinked.map((file) => path.relative(REPO, file))).toEqual([]);
  });
});

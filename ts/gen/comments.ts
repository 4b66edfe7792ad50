// Finds the comments of a header file (for TSDoc), skipping string and character literals; lines are 1-based.

import * as fs from 'node:fs';

/** One comment of a source file. */
export interface SourceComment {
  readonly startLine: number;
  readonly endLine: number;
  readonly text: string;
  /** True when only whitespace precedes the comment on its first line. */
  readonly startsLine: boolean;
}

/**
 * The comments of `text`. The preprocessor drops comments (parsing them made generation several times
 * slower), so documentation is read back from the header by line number: this scanner only needs to tell
 * comments from string and character literals.
 */
export function scanComments(text: string): SourceComment[] {
  const out: SourceComment[] = [];
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      lineStart = i + 1;
    } else if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && (text[i + 1] === '*' || text[i + 1] === '/')) {
      const block = text[i + 1] === '*';
      const end = block ? text.indexOf('*/', i + 2) : text.indexOf('\n', i);
      const stop = end < 0 ? text.length : block ? end + 2 : end;
      const body = text.slice(i, stop);
      const startLine = line;
      const startsLine = text.slice(lineStart, i).trim() === '';
      for (const ch of body) if (ch === '\n') line++;
      if (body.includes('\n')) lineStart = i + body.lastIndexOf('\n') + 1;
      out.push({ startLine, endLine: line, text: body, startsLine });
      i = stop - 1;
    }
  }
  return out;
}

const cache = new Map<string, { byEnd: Map<number, SourceComment>; byStart: Map<number, SourceComment> }>();

/** Comments of a file indexed by their first and last line (read once per file). */
export function commentsOf(file: string): { byEnd: Map<number, SourceComment>; byStart: Map<number, SourceComment> } {
  let entry = cache.get(file);
  if (!entry) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      // <built-in> and friends have no file: no documentation.
    }
    const byEnd = new Map<number, SourceComment>();
    const byStart = new Map<number, SourceComment>();
    for (const c of scanComments(text)) {
      byEnd.set(c.endLine, c);
      if (!byStart.has(c.startLine)) byStart.set(c.startLine, c);
    }
    entry = { byEnd, byStart };
    cache.set(file, entry);
  }
  return entry;
}

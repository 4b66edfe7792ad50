// Loads tree-sitter-c (WebAssembly, through web-tree-sitter) once, on first use: `require('ffikit')` never loads it.

import * as fs from 'node:fs';

import type * as TreeSitter from 'web-tree-sitter';
import type { Language, Parser, Tree } from 'web-tree-sitter';

import { genError } from './errors';

let loading: Promise<{ parser: Parser; language: Language }> | undefined;

async function load(): Promise<{ parser: Parser; language: Language }> {
  // Required lazily: only `ffikit gen` pays for the WebAssembly runtime and grammar.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('web-tree-sitter') as typeof TreeSitter;
  await ts.Parser.init();
  // Bytes, not a path: loading by path goes through a dynamic import() that VM contexts (jest) refuse.
  const language = await ts.Language.load(fs.readFileSync(require.resolve('tree-sitter-c/tree-sitter-c.wasm')));
  const parser = new ts.Parser();
  parser.setLanguage(language);
  return { parser, language };
}

/** A C parser (tree-sitter-c); the WebAssembly modules load once per process. */
export async function cParser(): Promise<(text: string, where: string) => Tree> {
  loading ??= load();
  const { parser } = await loading;
  return (text, where) => {
    const tree = parser.parse(text);
    if (!tree)
      throw genError('parse', where, 'C source the parser accepts', 'no syntax tree', 'Report this header to the ffikit maintainers');
    return tree;
  };
}

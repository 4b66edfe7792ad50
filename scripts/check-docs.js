// Checks the docs: type-checks every ```ts block of README.md and docs/**/*.md against the package, validates relative links and heading anchors (remark-validate-links), and runs ```sh run blocks.
'use strict';

// Usage: node scripts/check-docs.js [--root dir] [--skip types|links|run]...   (README.md must stay within 8 KB)
//
// Markers, in a block's info string:
//   ```ts            a module, type-checked with `import ... from 'ffikit'` mapped to ts/index.ts
//   ```ts nocheck    deliberately partial; not checked (say why in the text around it)
//   ```sh run        every line is run with bash from the root; the block fails on a non-zero exit
// A `// @ts-expect-error` line inside a checked block marks one deliberately wrong line.
// An HTML comment `<!-- ts-prelude ... -->` right before a ```ts block is prepended to it (hidden
// declarations such as `declare const data: Float64Array;`), so the block shown stays short.

const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ts = require('typescript');

const repo = path.resolve(__dirname, '..');
const README_MAX_BYTES = 8 * 1024;

function parseArgs(argv) {
  const opts = { root: repo, skip: new Set() };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root') opts.root = path.resolve(argv[++i] ?? '.');
    else if (argv[i] === '--skip') opts.skip.add(argv[++i]);
    else throw new Error(`check-docs: expected --root dir or --skip types|links|run, got '${argv[i]}'.`);
  }
  return opts;
}

/** README.md and every .md under docs/, relative to root, sorted. */
function markdownFiles(root) {
  const files = [];
  if (fs.existsSync(path.join(root, 'README.md'))) files.push('README.md');
  const walk = (dir) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.md')) files.push(rel);
    }
  };
  if (fs.existsSync(path.join(root, 'docs'))) walk('docs');
  return files.sort();
}

/** Fenced code blocks: { lang, flags, code, line (1-based line of the first code line), prelude }. */
function codeBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const fence = open[2];
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end].trimStart().startsWith(fence)) end++;
    let prelude = '';
    // a `<!-- ts-prelude ... -->` comment ending on the line before the fence (blank lines allowed)
    let j = i - 1;
    while (j >= 0 && lines[j].trim() === '') j--;
    if (j >= 0 && lines[j].trim().endsWith('-->')) {
      let k = j;
      while (k >= 0 && !lines[k].includes('<!--')) k--;
      const comment = lines.slice(k, j + 1).join('\n');
      const m = /<!--\s*ts-prelude\b([\s\S]*?)-->/.exec(comment);
      if (m) prelude = m[1].trim();
    }
    blocks.push({
      lang: open[3],
      flags: open[4].split(/\s+/).filter(Boolean),
      code: lines.slice(start, end).join('\n'),
      line: start + 1,
      prelude,
    });
    i = end;
  }
  return blocks;
}

/** Writes the ts blocks as modules under build/docs-check and type-checks them; returns error strings. */
function checkTypes(root, files) {
  // one directory per root, so a test's fixture docs never clobber a concurrent check of the real ones
  const tag = root === repo ? 'repo' : crypto.createHash('sha256').update(root).digest('hex').slice(0, 12);
  const outDir = path.join(repo, 'build', 'docs-check', tag);
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const origin = new Map(); // generated file -> { md, line, preludeLines }
  let count = 0;
  for (const md of files) {
    const text = fs.readFileSync(path.join(root, md), 'utf8');
    for (const b of codeBlocks(text)) {
      if (!['ts', 'typescript'].includes(b.lang) || b.flags.includes('nocheck')) continue;
      const name = `${md.replace(/[^\w]+/g, '_')}_L${b.line}.mts`;
      const file = path.join(outDir, name);
      const prelude = b.prelude ? `${b.prelude}\n` : '';
      fs.writeFileSync(file, `${prelude}${b.code}\nexport {};\n`);
      origin.set(path.resolve(file), { md, line: b.line, preludeLines: prelude ? prelude.split('\n').length - 1 : 0 });
      count++;
    }
  }
  if (count === 0) return { count, errors: [] };
  const base = ts.getParsedCommandLineOfConfigFile(
    path.join(repo, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  );
  const options = {
    ...base.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    rootDir: repo,
    baseUrl: undefined,
    paths: { ffikit: [path.join(repo, 'ts', 'index.ts')] },
    // snippets show calls and values; an unused name in a snippet is not an error
    noUnusedLocals: false,
    noUnusedParameters: false,
  };
  const program = ts.createProgram([...origin.keys()], options);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  // keep the real docs' modules for debugging; a fixture root's are of no use afterwards
  if (root !== repo) fs.rmSync(outDir, { recursive: true, force: true });
  const errors = [];
  for (const d of diagnostics) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const where = d.file ? origin.get(path.resolve(d.file.fileName)) : undefined;
    if (d.file && where) {
      const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
      const inPrelude = line < where.preludeLines;
      const mdLine = inPrelude ? where.line - 1 : where.line + line - where.preludeLines;
      errors.push(`${where.md}:${mdLine}: ${inPrelude ? '(in its ts-prelude) ' : ''}TS${d.code}: ${message}`);
    } else {
      errors.push(`${d.file ? path.relative(repo, d.file.fileName) : 'tsc'}: TS${d.code}: ${message}`);
    }
  }
  return { count, errors };
}

/** remark-validate-links over the same files: missing files and headings are errors (--frail). */
function checkLinks(root, files) {
  // both packages are ESM with an exports map that hides these files from require.resolve
  const cli = path.join(repo, 'node_modules', 'remark-cli', 'cli.js');
  const plugin = path.join(repo, 'node_modules', 'remark-validate-links', 'index.js');
  const r = spawnSync(
    process.execPath,
    [cli, '--no-stdout', '--frail', '--quiet', '--no-color', '--no-config', '--no-ignore', '--use', `${plugin}=repository:false`, ...files],
    { cwd: root, encoding: 'utf8' },
  );
  if (r.status === 0) return [];
  return [`links (remark-validate-links):\n${(r.stderr || r.stdout || `exit ${r.status}`).trim()}`];
}

/** Runs every ```sh run block with bash from the root; returns error strings. */
function runShell(root, files) {
  const errors = [];
  let count = 0;
  for (const md of files) {
    const text = fs.readFileSync(path.join(root, md), 'utf8');
    for (const b of codeBlocks(text)) {
      if (!['sh', 'bash', 'shell'].includes(b.lang) || !b.flags.includes('run')) continue;
      count++;
      const r = spawnSync('bash', ['-euo', 'pipefail', '-c', b.code], { cwd: root, encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) {
        const out = `${r.stdout}${r.stderr}`.trim().split('\n').slice(-10).join('\n');
        errors.push(`${md}:${b.line}: runnable sh block failed (${r.signal ?? `exit ${r.status}`}):\n${out}`);
      }
    }
  }
  return { count, errors };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const files = markdownFiles(opts.root);
  const errors = [];
  // the README is the overview; details belong in docs/ (see docs/development.md#documentation)
  const readme = path.join(opts.root, 'README.md');
  if (fs.existsSync(readme) && fs.statSync(readme).size > README_MAX_BYTES) {
    errors.push(
      `README.md: expected at most ${README_MAX_BYTES} bytes, got ${fs.statSync(readme).size}. Move details into a guide in docs/.`,
    );
  }
  if (!opts.skip.has('types')) {
    const t = checkTypes(opts.root, files);
    console.log(`check-docs: ${t.count} ts blocks type-checked`);
    errors.push(...t.errors);
  }
  if (!opts.skip.has('links')) {
    const l = checkLinks(opts.root, files);
    console.log(`check-docs: links and anchors in ${files.length} files validated`);
    errors.push(...l);
  }
  if (!opts.skip.has('run')) {
    const s = runShell(opts.root, files);
    console.log(`check-docs: ${s.count} sh run blocks ran`);
    errors.push(...s.errors);
  }
  if (errors.length > 0) {
    console.error(`\ncheck-docs: ${errors.length} problem(s):\n${errors.join('\n')}`);
    process.exit(1);
  }
  console.log('check-docs: ok');
}

if (require.main === module) main();

module.exports = { codeBlocks, markdownFiles };

// `ffikit gen --verify`: compiles a probe with the system compiler and compares struct layouts with ffikit's.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { genError } from './errors';
import { alias, alignof, array, callbackType, enumeration, offsetof, opaque, pointer, sizeof, struct, union } from '../declare/named-types';
import { namedType } from '../declare/type-registry';
import { defaultCompiler } from './preprocess';

/** What --verify compared. */
export interface LayoutReport {
  readonly structs: number;
  readonly fields: number;
  /** Bitfield members whose first bit and width were compared. */
  readonly bitfields: number;
}

interface StructInfo {
  readonly name: string;
  readonly cName: string;
  readonly fields: readonly string[];
  readonly bitfields?: readonly string[];
}

/**
 * Declares the generated types in this process, compiles and runs a C probe printing sizeof, alignof
 * and offsetof of every struct and union, and the first bit and width of every named bitfield (found
 * by storing 1 and -1 in a zeroed struct), and compares them with ffikit's layout.
 * @throws {GenError} ('layout') naming the struct and field on the first mismatch.
 */
export function verifyLayouts(
  header: string,
  typeCode: readonly string[],
  structs: readonly StructInfo[],
  options: { includeDirs?: readonly string[]; defines?: readonly string[]; compiler?: string } = {},
): LayoutReport {
  // The declarations are the generated module's own statements, run against ffikit's type functions.
  const ffikit = { struct, union, opaque, alias, enumeration, callbackType, array, pointer };
  new Function('ffikit', typeCode.map((c) => `${c};`).join('\n'))(ffikit);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ffikit-verify-'));
  try {
    const lines = [
      '#include <stdio.h>',
      '#include <stddef.h>',
      '#include <string.h>',
      `#include "${path.resolve(header)}"`,
      // The first set bit (counting from the lowest bit of byte 0) and how many bits are set.
      'static void bits(const char *s, const char *f, const unsigned char *p, size_t n, const unsigned char *q) {',
      '  int first = -1, count = 0;',
      '  for (size_t i = 0; i < n * 8; i++) if (p[i / 8] >> (i % 8) & 1) { if (first < 0) first = (int)i; }',
      '  for (size_t i = 0; i < n * 8; i++) count += q[i / 8] >> (i % 8) & 1;',
      '  printf("B %s %s %d %d\\n", s, f, first, count);',
      '}',
      'int main(void) {',
    ];
    for (const s of structs) {
      lines.push(`  printf("S %s %zu %zu\\n", "${s.name}", sizeof(${s.cName}), _Alignof(${s.cName}));`);
      for (const f of s.fields) {
        if (f.startsWith('__anonymous')) continue;
        lines.push(`  printf("F %s %s %zu\\n", "${s.name}", "${f}", offsetof(${s.cName}, ${f}));`);
      }
      for (const f of s.bitfields ?? []) {
        lines.push(
          `  { ${s.cName} one, all; memset(&one, 0, sizeof one); memset(&all, 0, sizeof all); one.${f} = 1; all.${f} = -1;`,
          `    bits("${s.name}", "${f}", (const unsigned char *)&one, sizeof one, (const unsigned char *)&all); }`,
        );
      }
    }
    lines.push('  return 0;', '}', '');
    const src = path.join(dir, 'probe.c');
    const exe = path.join(dir, 'probe');
    fs.writeFileSync(src, lines.join('\n'));
    const cc = options.compiler ?? defaultCompiler();
    const args = ['-std=gnu11', '-o', exe, src];
    for (const d of options.includeDirs ?? []) args.push('-I', path.resolve(d));
    for (const d of options.defines ?? []) args.push(`-D${d}`);
    const build = spawnSync(cc, args, { encoding: 'utf8' });
    if (build.status !== 0) {
      throw genError(
        'layout',
        'ffikit gen --verify',
        'the layout probe to compile',
        build.stderr.split('\n').slice(0, 3).join(' | ') || String(build.error),
        'Check that a C compiler is installed (CC)',
      );
    }
    const run = spawnSync(exe, [], { encoding: 'utf8' });
    let fields = 0;
    let bitfields = 0;
    for (const line of run.stdout.split('\n')) {
      const [tag, name = '', a = '', b = '', c = ''] = line.split(' ');
      if (tag === 'S') {
        const size = sizeof(name);
        const align = alignof(name);
        if (size !== Number(a) || align !== Number(b)) {
          throw genError(
            'layout',
            `ffikit gen --verify: struct ${name}`,
            `sizeof ${a} and alignof ${b} (the C compiler)`,
            `sizeof ${size} and alignof ${align} (ffikit)`,
            'Report the header; pass -D options matching how the library was built',
          );
        }
      } else if (tag === 'F') {
        fields++;
        const offset = offsetof(name, a);
        if (offset !== Number(b)) {
          throw genError(
            'layout',
            `ffikit gen --verify: ${name}.${a}`,
            `offset ${b} (the C compiler)`,
            `offset ${offset} (ffikit)`,
            'Report the header; check #pragma pack and -D options',
          );
        }
      } else if (tag === 'B') {
        bitfields++;
        const field = namedType(name)
          ?.bitfields?.runs.flatMap((r) => r.fields.map((f) => ({ ...f, bit: r.offset * 8 + f.bit })))
          .find((f) => f.name === a);
        if (field?.bit !== Number(b) || field.width !== Number(c)) {
          throw genError(
            'layout',
            `ffikit gen --verify: ${name}.${a}`,
            `bitfield at bit ${b}, ${c} bits wide (the C compiler)`,
            field ? `bit ${field.bit}, ${field.width} bits wide (ffikit)` : 'no such bitfield (ffikit)',
            'Report the header; pass -D options matching how the library was built',
          );
        }
      }
    }
    return { structs: structs.length, fields, bitfields };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

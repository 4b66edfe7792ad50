// Symbol clashes: functions a library exports that the process already defines under the same name.
//
// The official Node.js binaries for Linux link OpenSSL, zlib, zstd, libuv, brotli, nghttp2 and ICU
// statically and export their symbols (89,000 of them in Node 22). A library opened with the default
// RTLD_LOCAL binds its calls to its own exported functions through the global scope first, so the
// system's libcrypto.so.3 would run half in Node's OpenSSL and half in its own: EVP_MD_CTX_new from
// one, the allocator and tables from the other, and a crash (SIGSEGV) on the first digest. Debian's and
// Homebrew's Node link the system's libraries dynamically instead, so the same code works there.
//
// RTLD_DEEPBIND (glibc, FreeBSD) puts the library's own definitions first. It is chosen only when a
// clash exists, because it has costs of its own: sanitizer runtimes refuse it, and a library that
// expects the executable to interpose a function (malloc from a preloaded allocator) no longer sees it.

import * as fs from 'node:fs';
import * as path from 'node:path';

import { debug } from '../core/debug';
import { readElfDynamic } from './binfmt/elf-symbols';
import { withGlobalScope, type GlobalLookup, type NativeLibrary } from './koffi';

/** How a library is opened with respect to symbol clashes; see {@link planDeepBind}. */
export type DeepBindOption = boolean | 'auto';

export interface DeepBindPlan {
  /** Open with RTLD_DEEPBIND. */
  readonly deepBind: boolean;
  /** Exported functions of the library that the global scope already defines (before opening it). */
  readonly candidates: readonly string[];
  /** Why deep binding is wanted but not used (a sanitizer runtime, or a C library without it). */
  readonly unavailable?: string;
}

/** The sanitizer runtime in this process, if any: they abort on RTLD_DEEPBIND. */
function sanitizerRuntime(globalSymbolAddress: GlobalLookup): string | undefined {
  for (const [symbol, name] of [
    ['__asan_init', 'AddressSanitizer'],
    ['__tsan_init', 'ThreadSanitizer'],
    ['__msan_init', 'MemorySanitizer'],
    ['__hwasan_init', 'HWAddressSanitizer'],
  ] as const) {
    if (globalSymbolAddress(symbol) !== undefined) return name;
  }
  return undefined;
}

/**
 * Whether the process has `file` (a real path) mapped already: libc, libm, or the libcrypto that a
 * distribution's Node links. Linux lists mappings in /proc/self/maps (device, inode, path); elsewhere
 * this says no, and the check runs as for any other library.
 */
function alreadyMapped(file: string): boolean {
  let maps: string;
  let inode: number;
  try {
    maps = fs.readFileSync('/proc/self/maps', 'latin1');
    inode = fs.statSync(file).ino;
  } catch {
    return false;
  }
  const base = path.basename(file);
  for (const line of maps.split('\n')) {
    // 7f..-7f.. r-xp 00028000 fe:00 262465    /usr/lib/x86_64-linux-gnu/libc.so.6
    const m = /^\S+ \S+ \S+ \S+ (\d+) +(\/.*)$/.exec(line);
    if (m === null) continue;
    const mapped = m[2] as string;
    if (mapped === file || (Number(m[1]) === inode && path.basename(mapped) === base)) return true;
  }
  return false;
}

/**
 * Whether the sanitizer runtime interposes `name` on purpose: its interceptors (malloc, pthread_*,
 * memcpy and some 500 more, all of them in libc) are defined beside an `__interceptor_<name>`
 * (GCC's libsanitizer) or `___interceptor_<name>` (LLVM 17 and later). Loading libc.so.6 under ASan
 * finds them all in the global scope, and that is how the sanitizer works, not a clash.
 */
function interceptedBySanitizer(globalSymbolAddress: GlobalLookup, name: string): boolean {
  return globalSymbolAddress(`__interceptor_${name}`) !== undefined || globalSymbolAddress(`___interceptor_${name}`) !== undefined;
}

/** Whether dlopen has RTLD_DEEPBIND here: glibc and FreeBSD do, musl does not. */
function deepBindAvailable(globalSymbolAddress: GlobalLookup): boolean {
  if (process.platform === 'freebsd') return true;
  return globalSymbolAddress('gnu_get_libc_version') !== undefined;
}

/**
 * Decides how to open an ELF library. `'auto'` (the default) looks up each function the library exports
 * in the process's global scope before opening it, and asks for RTLD_DEEPBIND when any is there; `true`
 * and `false` force the choice. Only ELF platforms bind this way: Mach-O's two-level namespaces and
 * Windows' per-module imports keep a library's calls inside it already.
 */
export function planDeepBind(file: string, option: DeepBindOption): DeepBindPlan {
  const elf = process.platform === 'linux' || process.platform === 'freebsd';
  if (!elf || option === false) return { deepBind: false, candidates: [] };
  if (alreadyMapped(file)) {
    // dlopen gives back the object already there, bound as it was then: RTLD_DEEPBIND changes
    // nothing, and its functions found in the global scope are mostly its own.
    debug('%s is already loaded in this process: no symbol clash check', file);
    return { deepBind: false, candidates: [] };
  }
  let exported: readonly { readonly name: string; readonly type: string }[] = [];
  if (option === 'auto') {
    try {
      exported = readElfDynamic(file).exports;
    } catch (err) {
      // The header check already passed; a dynamic table we cannot read is dlopen's to judge.
      debug('symbol clash check skipped for %s: %s', file, (err as Error).message);
      return { deepBind: false, candidates: [] };
    }
  }
  return withGlobalScope((globalSymbolAddress) => {
    const sanitizer = sanitizerRuntime(globalSymbolAddress);
    const candidates = new Set<string>(); // a versioned symbol is listed once per version
    for (const s of exported) {
      if (s.type !== 'function' && s.type !== 'ifunc') continue;
      if (globalSymbolAddress(s.name) === undefined) continue;
      if (sanitizer !== undefined && interceptedBySanitizer(globalSymbolAddress, s.name)) continue;
      candidates.add(s.name);
    }
    if (option === 'auto' && candidates.size === 0) return { deepBind: false, candidates: [] };
    const listed = [...candidates];
    if (sanitizer !== undefined) return { deepBind: false, candidates: listed, unavailable: `${sanitizer} refuses RTLD_DEEPBIND` };
    if (!deepBindAvailable(globalSymbolAddress))
      return { deepBind: false, candidates: listed, unavailable: 'this C library has no RTLD_DEEPBIND' };
    return { deepBind: true, candidates: listed };
  });
}

/**
 * The candidates that really clash once the library is open: the global scope gives another address
 * than the library does. A library the process had already loaded (libc, or the libcrypto a
 * distribution's Node links) finds itself both ways, so it has none.
 */
export function confirmedClashes(native: NativeLibrary, candidates: readonly string[]): string[] {
  return withGlobalScope((globalSymbolAddress) =>
    candidates.filter((name) => {
      const own = native.address(name);
      return own !== undefined && own !== globalSymbolAddress(name);
    }),
  );
}

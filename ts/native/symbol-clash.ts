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
    const candidates: string[] = [];
    for (const s of exported) {
      if ((s.type === 'function' || s.type === 'ifunc') && globalSymbolAddress(s.name) !== undefined) candidates.push(s.name);
    }
    if (option === 'auto' && candidates.length === 0) return { deepBind: false, candidates };
    const sanitizer = sanitizerRuntime(globalSymbolAddress);
    if (sanitizer !== undefined) return { deepBind: false, candidates, unavailable: `${sanitizer} refuses RTLD_DEEPBIND` };
    if (!deepBindAvailable(globalSymbolAddress)) return { deepBind: false, candidates, unavailable: 'this C library has no RTLD_DEEPBIND' };
    return { deepBind: true, candidates };
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

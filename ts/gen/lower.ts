// Maps the C model to ffikit declarations in dependency order: records, enums, callbacks, typedefs, functions.

import * as path from 'node:path';

import { genError } from './errors';
import { primitive } from '../declare/primitives';
import { checkAnnotationParams, type Annotations, type FunctionAnnotation } from './annotations';
import type { CFunction, CFunctionType, CRecord, CTranslationUnit, CTypeRef, Skipped } from './model';

/** One type declaration of the generated module, in the order it must run. */
export interface TypeDecl {
  readonly name: string;
  readonly kind: 'struct' | 'union' | 'opaque' | 'enum' | 'callback' | 'alias';
  /** JS expression declaring it (uses the `ffikit` namespace). */
  readonly code: string;
  readonly doc: string | undefined;
  /** For enums: the members, in order. */
  readonly members?: ReadonlyArray<readonly [string, number]>;
  /** For callbacks: the prototype. */
  readonly prototype?: string;
  /** For structs: the C members whose offsets --verify compares (not bitfields; none for unions). */
  readonly fields?: readonly string[];
  /** For structs: the named bitfield members, whose bit positions --verify compares. */
  readonly bitfields?: readonly string[];
  readonly cName?: string;
}

/** One function of the generated `load()`. */
export interface FunctionDecl {
  readonly jsName: string;
  readonly symbol: string;
  readonly prototype: string;
  readonly params: readonly string[];
  readonly doc: string | undefined;
  readonly deprecated: boolean;
  /** A rename macro binds the function it names under its own name. */
  readonly renameOf?: string;
  /** bind() options from the annotations file; errcheck as JS code. */
  readonly options?: { readonly disposes?: string; readonly arrays?: unknown; readonly errcheck?: string };
}

/** Decides which declarations belong to the header being generated. */
export interface Selection {
  readonly mainFile: string;
  readonly prefixes: readonly string[];
  /** Exported symbol names of the library, when known: unexported functions are skipped. */
  readonly exports: ReadonlySet<string> | undefined;
  readonly libraryLabel: string | undefined;
  readonly annotations?: { readonly file: string; readonly byFunction: Annotations };
}

class Unsupported extends Error {}

function unsupported(reason: string): never {
  throw new Unsupported(reason);
}

/** The lowering of one translation unit. */
export class Lowering {
  readonly types: TypeDecl[] = [];
  readonly functions: FunctionDecl[] = [];
  readonly skipped: Skipped[] = [];
  private readonly state = new Map<string, 'pending' | 'done'>();
  private readonly canonical = new Map<string, string>();
  private readonly failed = new Set<string>();
  private readonly enumsByName = new Map<string, CTranslationUnit['enums'][number]>();

  constructor(
    readonly unit: CTranslationUnit,
    readonly selection: Selection,
  ) {
    // `typedef struct tag Name;` makes Name the record's ffikit name: that is how C code spells it.
    for (const td of unit.typedefs.values()) {
      const t = td.type;
      if (t.k === 'named' && (t.tag === 'struct' || t.tag === 'union') && !this.canonical.has(t.name)) this.canonical.set(t.name, td.name);
    }
    for (const e of unit.enums) if (e.name !== undefined) this.enumsByName.set(e.name, e);
  }

  /** True for declarations of the header itself (or of its sub-directory headers), or matching --prefix. */
  selected(name: string, file: string): boolean {
    if (this.selection.prefixes.length > 0) return this.selection.prefixes.some((p) => name.startsWith(p));
    const main = this.selection.mainFile;
    if (file === main) return true;
    // An umbrella header (lzma.h) declares its API in a folder named after it (lzma/*.h).
    const umbrella = path.join(path.dirname(main), path.basename(main, path.extname(main)));
    return file.startsWith(`${umbrella}${path.sep}`);
  }

  /** Lowers every selected declaration (types first, in dependency order, then functions). */
  run(): void {
    const u = this.unit;
    for (const r of u.records.values()) if (this.selected(r.name, r.file)) this.attempt(r.name, r.kind, () => this.record(r.name));
    for (const e of u.enums)
      if (e.name !== undefined && this.selected(e.name, e.file)) this.attempt(e.name, 'enum', () => this.enumType(e.name!));
    for (const td of u.typedefs.values())
      if (this.selected(td.name, td.file)) this.attempt(td.name, 'typedef', () => this.typedef(td.name));
    for (const tag of [...u.opaque].sort()) {
      const owner = [...u.typedefs.values()].find((t) => t.type.k === 'named' && t.type.name === tag);
      if (owner && this.selected(owner.name, owner.file)) this.attempt(tag, 'struct', () => this.opaqueType(tag));
    }
    for (const fn of u.functions) {
      if (!this.selected(fn.name, fn.file)) continue;
      if (this.selection.exports && !this.selection.exports.has(fn.name)) {
        this.skipped.push({ name: fn.name, kind: 'function', reason: `not exported by ${this.selection.libraryLabel ?? 'the library'}` });
        continue;
      }
      this.attempt(fn.name, 'function', () => this.functions.push(this.functionDecl(fn, fn.name)));
    }
    const a = this.selection.annotations;
    for (const name of Object.keys(a?.byFunction ?? {})) {
      if (!this.functions.some((f) => f.symbol === name)) {
        const why = this.skipped.find((s) => s.name === name && s.kind === 'function')?.reason ?? 'not declared by this header';
        throw genError(
          'annotations',
          `ffikit gen --annotate ${a!.file}`,
          'annotations for bound functions only',
          `'${name}' (${why})`,
          'Remove or rename the entry',
        );
      }
    }
  }

  /** Binds `fn` under another name (a rename macro); false when the function itself was not bound. */
  bindRename(macro: string, target: string, doc: string | undefined): boolean {
    const bound = this.functions.find((f) => f.symbol === target && f.renameOf === undefined);
    if (!bound || this.functions.some((f) => f.jsName === macro)) return false;
    this.functions.push({ ...bound, jsName: macro, renameOf: target, doc: doc ?? bound.doc });
    return true;
  }

  private attempt(name: string, kind: Skipped['kind'], fn: () => void): void {
    const before = this.types.length;
    const states = new Map(this.state);
    try {
      fn();
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      // Roll back half-declared dependencies so the output never names a type it did not declare.
      this.types.length = before;
      this.state.clear();
      for (const [k, v] of states) this.state.set(k, v);
      this.skipped.push({ name, kind, reason: error.message });
    }
  }

  recordName(tag: string): string {
    return this.canonical.get(tag) ?? tag;
  }

  private push(decl: TypeDecl): void {
    this.types.push(decl);
    this.state.set(decl.name, 'done');
  }

  private opaqueType(tag: string): string {
    const name = this.recordName(tag);
    if (!this.state.has(name)) this.push({ name, kind: 'opaque', code: `ffikit.opaque(${q(name)})`, doc: undefined });
    return name;
  }

  /** Declares a record (or, when ffikit cannot lay it out, an opaque type) and returns its name. */
  private record(tag: string): string {
    const name = this.recordName(tag);
    if (this.state.has(name)) return name;
    const r = this.unit.records.get(tag);
    if (!r || this.failed.has(tag)) return this.opaqueType(tag);
    const why = layoutProblem(r, this.unit);
    if (why !== undefined) {
      this.skipped.push({ name, kind: r.kind, reason: `${why}; declared opaque (usable through pointers only)` });
      return this.opaqueType(tag);
    }
    this.state.set(name, 'pending');
    const members: string[] = [];
    try {
      for (const f of r.fields) {
        const type = f.bits === undefined ? this.member(f.type, `${name}_${f.name}`) : this.bitfield(f.name, f.type, f.bits);
        members.push(`${propertyKey(f.name)}: ${type}`);
      }
    } catch (error) {
      if (!(error instanceof Unsupported)) throw error;
      // Pointers to it still work: the record becomes opaque.
      this.state.delete(name);
      this.failed.add(tag);
      this.skipped.push({ name, kind: r.kind, reason: `${error.message}; declared opaque (usable through pointers only)` });
      return this.opaqueType(tag);
    }
    const options = r.packed === 1 ? ', { packed: true }' : '';
    const union = r.kind === 'union';
    this.push({
      name,
      kind: r.kind,
      code: `ffikit.${r.kind}(${q(name)}, { ${members.join(', ')} }${options})`,
      doc: r.doc,
      // Union members all sit at offset 0: sizeof and alignof say everything.
      fields: union ? [] : r.fields.filter((f) => f.bits === undefined).map((f) => f.name),
      bitfields: r.fields.filter((f) => f.bits !== undefined && f.bits > 0 && !f.name.startsWith('__anonymous')).map((f) => f.name),
      // A member's anonymous struct has no C spelling: its parent's offsets cover it.
      ...(this.canonical.has(tag) ? { cName: name } : r.anonymous ? {} : { cName: `${r.kind} ${tag}` }),
    });
    return name;
  }

  private enumType(name: string): string {
    if (this.state.has(name)) return name;
    const e = this.enumsByName.get(name);
    if (!e || e.members.length === 0) return 'int';
    const values = e.members.map(([, v]) => v);
    const base = values.some((v) => v < 0) || values.every((v) => v <= 0x7fffffff) ? '' : `, base: 'uint32_t'`;
    const nonzero = values.filter((v) => v !== 0);
    // Flags accept any OR of members: a superset of what a plain enum accepts, so a wrong guess refuses nothing.
    const flags = nonzero.length >= 3 && nonzero.every((v) => v > 0 && (v & (v - 1)) === 0) && new Set(nonzero).size === nonzero.length;
    const options = flags || base ? `, { ${[flags ? 'flags: true' : '', base.replace(/^, /, '')].filter(Boolean).join(', ')} }` : '';
    const members = e.members.map(([k, v]) => `${k}: ${v}`).join(', ');
    this.push({ name, kind: 'enum', code: `ffikit.enumeration(${q(name)}, { ${members} }${options})`, doc: e.doc, members: e.members });
    return name;
  }

  private callback(name: string, fn: CFunctionType): string {
    if (this.state.has(name)) return name;
    if (fn.variadic) unsupported('variadic callback types are not supported by ffikit');
    this.state.set(name, 'pending');
    const proto = this.prototype(name, fn, [], false, true);
    this.push({ name, kind: 'callback', code: `ffikit.callbackType(${q(proto.text)})`, doc: undefined, prototype: proto.text });
    return name;
  }

  private typedef(name: string): void {
    const td = this.unit.typedefs.get(name);
    if (!td || primitive(name) || this.state.has(name)) return;
    const t = td.type;
    if (t.k === 'fn' || (t.k === 'ptr' && t.to.k === 'fn')) {
      this.callback(name, t.k === 'fn' ? t.fn : (t.to as { fn: CFunctionType }).fn);
      return;
    }
    if (t.k === 'named' && t.tag !== undefined) {
      if (t.tag === 'enum') {
        const target = this.enumType(t.name);
        if (target !== name) this.push({ name, kind: 'alias', code: `ffikit.alias(${q(name)}, ${q(target)})`, doc: td.doc });
        return;
      }
      const target = this.record(t.name);
      if (target !== name) this.push({ name, kind: 'alias', code: `ffikit.alias(${q(name)}, ${q(target)})`, doc: td.doc });
      return;
    }
    const code = t.k === 'array' ? this.member(t, name) : q(this.spell(t, name, 'decl'));
    this.push({ name, kind: 'alias', code: `ffikit.alias(${q(name)}, ${code})`, doc: td.doc });
  }

  /**
   * A bitfield member, as JS code (`'unsigned int:3'`). An enum-typed field is spelled as the integer
   * GCC and Clang store it in: unsigned int when no member is negative, else int.
   */
  private bitfield(field: string, t: CTypeRef, bits: number): string {
    const r = this.resolve(t);
    if (r.k === 'named' && r.tag === 'enum') {
      const e = this.enumsByName.get(r.name);
      return q(`${e !== undefined && e.members.every(([, v]) => v >= 0) ? 'unsigned int' : 'int'}:${bits}`);
    }
    const p = r.k === 'prim' ? primitive(r.name) : undefined;
    if (r.k !== 'prim' || p === undefined || (p.kind !== 'int' && p.kind !== 'bool'))
      unsupported(`bitfield member '${field}' is not of an integer, bool or enum type`);
    return q(`${r.name}:${bits}`);
  }

  /** A struct member's type, as JS code: a C spelling or an ffikit.array(...) expression. */
  private member(t: CTypeRef, context: string): string {
    const r = this.resolve(t);
    if (r.k === 'array') {
      if (r.length === undefined || r.length === 0) unsupported('a flexible array member has no fixed size');
      return `ffikit.array(${this.member(r.of, context)}, ${r.length})`;
    }
    return q(this.spell(t, context, 'decl'));
  }

  /** Follows typedefs that are not callbacks, records or enums (those keep their name). */
  private resolve(t: CTypeRef): CTypeRef {
    let cur = t;
    for (let i = 0; i < 64 && cur.k === 'named' && cur.tag === undefined && !primitive(cur.name); i++) {
      const td = this.unit.typedefs.get(cur.name);
      if (!td) return cur;
      const next = td.type;
      if (next.k === 'fn' || (next.k === 'ptr' && next.to.k === 'fn')) return cur;
      cur = cur.const === true && (next.k === 'prim' || next.k === 'named') ? { ...next, const: true } : next;
    }
    return cur;
  }

  /**
   * The C spelling ffikit's prototype parser reads for `t`. In 'decl' context (types declared at
   * import) a pointer to a record still being declared becomes `void *` (same size; cycles are legal C).
   */
  spell(t: CTypeRef, context: string, where: 'decl' | 'param' | 'result'): string {
    const r = this.resolve(t);
    switch (r.k) {
      case 'prim': {
        if (!primitive(r.name)) unsupported(`type '${r.name}' has no ffikit equivalent`);
        return r.name;
      }
      case 'named': {
        if (r.tag === 'enum') return this.enumType(r.name);
        if (r.tag === 'struct' || r.tag === 'union') {
          const name = this.record(r.name);
          if (this.types.find((d) => d.name === name)?.kind === 'opaque' && where !== 'decl')
            unsupported(`'${name}' is opaque or cannot be laid out, and is passed by value`);
          if (where === 'decl' && this.types.find((d) => d.name === name)?.kind === 'opaque')
            unsupported(`member of type '${name}' cannot be laid out`);
          return name;
        }
        const td = this.unit.typedefs.get(r.name);
        if (td && (td.type.k === 'fn' || (td.type.k === 'ptr' && td.type.to.k === 'fn'))) {
          return this.callback(r.name, td.type.k === 'fn' ? td.type.fn : (td.type.to as { fn: CFunctionType }).fn);
        }
        if (r.name.includes('va_list'))
          unsupported('a va_list cannot be built from JS; bind the variadic (...) form of this function instead');
        return unsupported(`unknown type '${r.name}'`);
      }
      case 'ptr': {
        const to = this.resolve(r.to);
        if (to.k === 'fn') return this.callback(context, to.fn);
        if (to.k === 'named' && to.tag === undefined) {
          const td = this.unit.typedefs.get(to.name);
          if (td && (td.type.k === 'fn' || (td.type.k === 'ptr' && td.type.to.k === 'fn'))) return `${this.spell(to, context, where)} *`;
        }
        if (to.k === 'array') return this.spell({ k: 'ptr', to: to.of, nonnull: false }, context, where);
        if (to.k === 'named' && (to.tag === 'struct' || to.tag === 'union')) {
          const name = this.recordName(to.name);
          if (this.state.get(name) === 'pending') return 'void *';
          const known = this.unit.records.has(to.name);
          // Records from other headers, reached through a pointer only, stay opaque: no layout to get wrong.
          const declared = known && this.wantsLayout(to.name) ? this.record(to.name) : this.opaqueType(to.name);
          return `${to.const === true ? 'const ' : ''}${declared} *`;
        }
        if (to.k === 'named' && to.tag === undefined && !primitive(to.name) && !this.unit.typedefs.has(to.name)) return 'void *';
        const inner = this.spell(to, context, where === 'decl' ? 'decl' : 'param');
        const constPrefix = (to.k === 'prim' || to.k === 'named') && to.const === true ? 'const ' : '';
        return `${constPrefix}${inner}${inner.endsWith('*') ? '*' : ' *'}`.replace(/^const const /, 'const ');
      }
      case 'array':
        if (where === 'decl') unsupported('arrays are only supported as struct members');
        return this.spell({ k: 'ptr', to: r.of, nonnull: false }, context, where);
      case 'fn':
        return this.callback(context, r.fn);
    }
  }

  private wantsLayout(tag: string): boolean {
    const r = this.unit.records.get(tag);
    return r !== undefined && this.selected(this.recordName(tag), r.file);
  }

  private prototype(
    name: string,
    fn: CFunctionType,
    nonnull: readonly number[] | 'all',
    returnsNonnull: boolean,
    decl: boolean,
    annotation?: FunctionAnnotation,
  ): { text: string; params: string[] } {
    const where = decl ? 'decl' : 'param';
    let result = this.spell(fn.result, `${name}_result`, decl ? 'decl' : 'result');
    if (returnsNonnull && result.endsWith('*')) result = `_Nonnull ${result}`;
    const used = new Set<string>();
    const params = fn.params.map((p, i) => {
      let pname = p.name ?? `arg${i}`;
      while (used.has(pname)) pname = `${pname}_`;
      used.add(pname);
      // Array parameters decay to pointers, as in C (callback parameters included).
      const resolved = this.resolve(p.type);
      const type: CTypeRef = resolved.k === 'array' ? { k: 'ptr', to: resolved.of, nonnull: false } : p.type;
      const spelled = this.spell(type, `${name}_${pname}`, where);
      if (spelled === 'void') unsupported(`parameter '${pname}' has type void`);
      const isPointer = spelled.endsWith('*') || this.isCallbackName(spelled);
      const nn = isPointer && (nonnull === 'all' || nonnull.includes(i + 1)) ? '_Nonnull ' : '';
      const dir = annotation?.out?.includes(pname) ? '_Out_ ' : annotation?.inout?.includes(pname) ? '_Inout_ ' : '';
      return { text: `${dir}${nn}${joinName(spelled, pname)}`, name: pname };
    });
    const list = params.map((p) => p.text);
    if (fn.variadic) list.push('...');
    return { text: `${joinName(result, name)}(${list.join(', ')})`, params: params.map((p) => p.name) };
  }

  private isCallbackName(spelled: string): boolean {
    return this.types.some((d) => d.kind === 'callback' && d.name === spelled);
  }

  private functionDecl(fn: CFunction, jsName: string): FunctionDecl {
    if (fn.type.variadic && fn.type.params.length === 0)
      unsupported("variadic function without a fixed parameter: ffikit needs at least one before '...'");
    const a = this.selection.annotations;
    const annotation = a?.byFunction[fn.name];
    const proto = this.prototype(fn.name, fn.type, fn.nonnull, fn.returnsNonnull, false, annotation);
    const decl = { jsName, symbol: fn.name, prototype: proto.text, params: proto.params, doc: fn.doc, deprecated: fn.deprecated };
    if (!annotation || !a) return decl;
    checkAnnotationParams(a.file, fn.name, annotation, proto.params);
    const errcheck = annotation.errcheck === undefined ? undefined : this.errcheckCode(a.file, fn.name, annotation);
    const options = {
      ...(annotation.disposes !== undefined ? { disposes: annotation.disposes } : {}),
      ...(annotation.arrays !== undefined ? { arrays: annotation.arrays } : {}),
      ...(errcheck !== undefined ? { errcheck } : {}),
    };
    return Object.keys(options).length ? { ...decl, options } : decl;
  }

  private errcheckCode(file: string, fn: string, annotation: FunctionAnnotation): string {
    const e = annotation.errcheck!;
    if (typeof e === 'string') return q(e);
    if ('enum' in e) {
      this.enumType(e.enum);
      const decl = this.types.find((t) => t.kind === 'enum' && t.name === e.enum);
      if (!decl)
        throw genError(
          'annotations',
          `ffikit gen --annotate ${file}: ${fn}.errcheck`,
          'an enum declared by the header',
          `'${e.enum}'`,
          'Name one of its enums',
        );
      return `ffikit.errorCodes(${decl.code}, { ok: ${JSON.stringify(e.ok)} })`;
    }
    return `ffikit.errorCodes(${JSON.stringify(e.codes)}${e.ok ? `, { ok: ${JSON.stringify(e.ok)} }` : ''})`;
  }
}

/** Why ffikit cannot lay out a record, or undefined when it can. */
function layoutProblem(r: CRecord, unit: CTranslationUnit, seen = new Set<string>()): string | undefined {
  if (r.fields.length === 0) return `an empty ${r.kind} has no C layout`;
  if (r.packed !== undefined && r.packed !== 1) return `#pragma pack(${r.packed}): only pack(1) is laid out by this generator`;
  if (r.kind === 'union' && r.packed !== undefined) return 'a packed union: ffikit.union has no packed layout';
  seen.add(r.name);
  for (const f of r.fields) {
    if (f.bits !== undefined) {
      if (f.bits < 0) return `bitfield member '${f.name}': its width is not a constant this generator evaluates`;
      if (r.kind === 'union') return `bitfield member '${f.name}': ffikit.union has no bitfield members`;
      if (r.packed !== undefined) return `bitfield member '${f.name}': ffikit does not lay out bitfields in a packed struct`;
      // GCC and Clang leave unnamed fields out of the struct's alignment; ffikit's layout counts every member.
      if (f.bits > 0 && f.name.startsWith('__anonymous')) return `an unnamed ${f.bits}-bit bitfield: ffikit has no unnamed padding bits`;
      continue;
    }
    let t = f.type;
    let inArray = false;
    for (let i = 0; i < 64; i++) {
      if (t.k === 'array') {
        inArray = true;
        t = t.of;
        continue;
      }
      const td = t.k === 'named' && t.tag === undefined ? unit.typedefs.get(t.name) : undefined;
      if (!td) break;
      t = td.type;
    }
    if (t.k === 'named' && (t.tag === 'struct' || t.tag === 'union')) {
      const inner = unit.records.get(t.name);
      if (!inner) return `member '${f.name}' has incomplete type '${t.name}'`;
      if (!seen.has(inner.name)) {
        const why = layoutProblem(inner, unit, seen);
        if (why !== undefined) return `member '${f.name}': ${why}`;
      }
      // ffikit converts bitfields of a struct member, not of array elements or union members.
      if (hasBitfields(inner, unit)) {
        if (inArray) return `member '${f.name}': an array of a struct with bitfields is not converted by ffikit`;
        if (r.kind === 'union') return `member '${f.name}': a struct with bitfields inside a union is not converted by ffikit`;
        if (r.packed !== undefined) return `member '${f.name}': ffikit does not lay out bitfields in a packed struct`;
      }
    }
    if (t.k === 'prim' && t.name === 'long double') return `member '${f.name}' is a long double`;
  }
  return undefined;
}

/** True when the record, or a struct member of it (not through a pointer), has bitfields. */
function hasBitfields(r: CRecord, unit: CTranslationUnit, seen = new Set<string>()): boolean {
  if (seen.has(r.name)) return false;
  seen.add(r.name);
  return r.fields.some((f) => {
    if (f.bits !== undefined) return true;
    let t = f.type;
    for (let i = 0; i < 64; i++) {
      if (t.k === 'array') t = t.of;
      else if (t.k === 'named' && t.tag === undefined && unit.typedefs.has(t.name)) t = unit.typedefs.get(t.name)!.type;
      else break;
    }
    const inner = t.k === 'named' && (t.tag === 'struct' || t.tag === 'union') ? unit.records.get(t.name) : undefined;
    return inner !== undefined && hasBitfields(inner, unit, seen);
  });
}

/** `char *` + `s` → `char *s`; `int` + `n` → `int n`. */
function joinName(type: string, name: string): string {
  return type.endsWith('*') ? `${type}${name}` : `${type} ${name}`;
}

/** A single-quoted JS string literal. */
export function q(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : q(name);
}

// Walks a tree-sitter-c syntax tree of a preprocessed header into the declaration model (model.ts).

import type { Node } from 'web-tree-sitter';

import { primitive } from '../declare/primitives';
import { commentsOf } from './comments';
import { evaluateInt } from './constants';
import type { CEnum, CField, CFunction, CFunctionType, CParam, CRecord, CTranslationUnit, CTypeRef } from './model';
import type { PreprocessedSource } from './preprocess';
import { attributesOf, commentText, declaratorName, isConst, primitiveRef, sizedName } from './syntax';

const kGnuKeywords = new Set(['__attribute__', '__attribute', '__asm__', '__asm', 'asm', '__extension__', '__typeof__', '__declspec']);

/** Walks the top level of `root` (descending into `#if` blocks of unpreprocessed headers). */
export function extract(
  root: Node,
  directives: Node,
  source: PreprocessedSource,
  wantFunctions: (file: string) => boolean = () => true,
): CTranslationUnit {
  const unit: CTranslationUnit = {
    functions: [],
    records: new Map(),
    opaque: new Set(),
    enums: [],
    typedefs: new Map(),
    macros: new Map(),
    skipped: [],
  };
  const walker = new Walker(unit, source, wantFunctions);
  walker.visitAll(root.children);
  walker.visitAll(directives.children);
  for (const name of unit.records.keys()) unit.opaque.delete(name);
  return unit;
}

class Walker {
  private readonly pack: number[] = [];
  private packing: number | undefined;
  private anonymous = 0;

  constructor(
    private readonly unit: CTranslationUnit,
    private readonly source: PreprocessedSource,
    private readonly wantFunctions: (file: string) => boolean,
  ) {}

  visitAll(nodes: readonly Node[]): void {
    for (const n of nodes) this.visit(n);
  }

  private file(n: Node): string {
    return this.source.rowFile[n.startPosition.row] ?? '';
  }

  /**
   * The comment on the declaration's last line, else the one right before it, else (zlib's style) the one
   * right after it; read from the header itself (selected files only: the others are never documented).
   */
  private doc(n: Node): string | undefined {
    const file = this.file(n);
    if (!this.wantFunctions(file)) return undefined;
    const first = this.source.rowLine[n.startPosition.row] ?? 0;
    const last = this.source.rowLine[n.endPosition.row] ?? first;
    if (first === 0) return undefined;
    const { byEnd, byStart } = commentsOf(file);
    const same = byStart.get(last);
    if (same && !same.startsLine) return commentText(same.text);
    const before = byEnd.get(first - 1);
    // A comment after code on its line belongs to that code, not to the next declaration.
    if (before?.startsLine) return commentText(before.text);
    const after = byStart.get(last + 1);
    if (after?.startsLine) return commentText(after.text);
    return undefined;
  }

  private visit(n: Node): void {
    switch (n.type) {
      case 'declaration':
        this.declaration(n);
        break;
      case 'type_definition':
        this.typeDefinition(n);
        break;
      case 'struct_specifier':
      case 'union_specifier':
      case 'enum_specifier':
        this.typeOf(n, undefined, this.doc(n));
        break;
      case 'preproc_def':
      case 'preproc_function_def':
        this.macro(n);
        break;
      case 'preproc_call':
        this.directive(n);
        break;
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'linkage_specification':
      case 'declaration_list':
        // Unpreprocessed headers: take the first branch of each conditional, as a compiler with no -D would.
        this.visitAll(
          n.namedChildren.filter((c) => c.type !== 'preproc_else' && c.type !== 'preproc_elif' && c.type !== 'preproc_elifdef'),
        );
        break;
      case 'ERROR':
        if (this.wantFunctions(this.file(n)) || this.source.compiler === undefined) {
          this.unit.skipped.push({
            name: `line ${n.startPosition.row + 1}`,
            kind: 'declaration',
            reason: `does not parse: '${n.text.slice(0, 60).replace(/\s+/g, ' ')}'`,
          });
        }
        break;
      default:
        break;
    }
  }

  private macro(n: Node): void {
    const name = n.childForFieldName('name')?.text;
    if (!name) return;
    const params = n.childForFieldName('parameters')?.namedChildren.map((p) => p.text);
    // -dD prints one macro per line; an empty body must not run into the next one.
    const body = (n.childForFieldName('value')?.text ?? '').split('\n')[0]!.trim();
    this.unit.macros.set(name, { name, params, body, doc: this.doc(n), file: this.file(n) });
  }

  private directive(n: Node): void {
    const directive = n.childForFieldName('directive')?.text;
    const arg = (n.childForFieldName('argument')?.text ?? '').trim();
    if (directive === '#undef') {
      this.unit.macros.delete(arg);
    } else if (directive === '#pragma' && arg.startsWith('pack')) {
      const inner = arg
        .slice(arg.indexOf('(') + 1, arg.lastIndexOf(')'))
        .split(',')
        .map((s) => s.trim());
      if (inner[0] === 'push') {
        this.pack.push(this.packing ?? 0);
        if (inner[1] !== undefined) this.packing = Number(inner[1]);
      } else if (inner[0] === 'pop') {
        const prev = this.pack.pop();
        this.packing = prev === 0 ? undefined : prev;
      } else {
        this.packing = inner[0] === '' || inner[0] === undefined ? undefined : Number(inner[0]);
      }
    }
  }

  private typeDefinition(n: Node): void {
    const typeNode = n.childForFieldName('type');
    if (!typeNode) return;
    const declarators = n.childrenForFieldName('declarator').filter((d): d is Node => d !== null);
    // `typedef struct { ... } Name;` names the anonymous struct after the typedef.
    const firstName = declarators.map((d) => declaratorName(d)).find((x) => x !== undefined);
    const doc = this.doc(n);
    const base = this.typeOf(typeNode, firstName, doc, isConst(n));
    for (const d of declarators) {
      const { name, type } = this.declarator(d, base, firstName ?? 'anon');
      if (name === undefined) continue;
      this.unit.typedefs.set(name, { name, type, doc, file: this.file(n) });
    }
  }

  private declaration(n: Node): void {
    // Function declarations of other headers are never bound: skip the work (glibc headers have thousands).
    if (!this.wantFunctions(this.file(n)) && n.childForFieldName('type')?.type !== 'struct_specifier') return;
    const typeNode = n.childForFieldName('type');
    if (!typeNode) return;
    const declarators = n.childrenForFieldName('declarator').filter((d): d is Node => d !== null);
    const doc = this.doc(n);
    const base = this.typeOf(typeNode, undefined, declarators.length === 0 ? doc : undefined, isConst(n));
    const attributes = attributesOf(n);
    for (const d of declarators) {
      const { name, type, nonnull } = this.declarator(d, base, declaratorName(d) ?? 'anon');
      // GNU keywords the grammar does not know can surface as declarator names: never a declaration.
      if (name === undefined || kGnuKeywords.has(name)) continue;
      if (type.k !== 'fn') {
        if (this.wantFunctions(this.file(n))) {
          this.unit.skipped.push({
            name,
            kind: 'declaration',
            reason: 'global variable: not bound (read it with ffikit.decode on its address)',
          });
        }
        continue;
      }
      const fn: CFunction = {
        name,
        type: type.fn,
        nonnull: attributes.nonnull === 'all' ? 'all' : [...new Set([...attributes.nonnull, ...nonnull])].sort((a, b) => a - b),
        returnsNonnull: attributes.returnsNonnull,
        deprecated: attributes.deprecated,
        doc,
        file: this.file(n),
      };
      const existing = this.unit.functions.findIndex((f) => f.name === name);
      if (existing >= 0) this.unit.functions[existing] = fn;
      else this.unit.functions.push(fn);
    }
  }

  /** The type a specifier names; struct/union/enum bodies are recorded on the way. */
  typeOf(n: Node, contextName: string | undefined, doc: string | undefined, constQualified = false): CTypeRef {
    const t = this.baseType(n, contextName, doc);
    return constQualified && (t.k === 'prim' || t.k === 'named') ? { ...t, const: true } : t;
  }

  private baseType(n: Node, contextName: string | undefined, doc: string | undefined): CTypeRef {
    switch (n.type) {
      case 'primitive_type':
        return primitiveRef(n.text);
      case 'sized_type_specifier':
        return { k: 'prim', name: sizedName(n.text) };
      case 'type_identifier':
        return primitive(n.text) && n.text !== 'char' ? { k: 'prim', name: n.text } : { k: 'named', name: n.text };
      case 'struct_specifier':
      case 'union_specifier':
        return this.record(n, contextName, doc);
      case 'enum_specifier':
        return this.enumeration(n, contextName, doc);
      default:
        return { k: 'named', name: n.text };
    }
  }

  private record(n: Node, contextName: string | undefined, doc: string | undefined): CTypeRef {
    const kind = n.type === 'union_specifier' ? 'union' : 'struct';
    const tag = n.childForFieldName('name')?.text;
    const body = n.childForFieldName('body');
    const name = tag ?? contextName ?? `anonymous_${kind}_${++this.anonymous}`;
    if (!body) {
      if (!this.unit.records.has(name)) this.unit.opaque.add(name);
      return { k: 'named', name, tag: kind };
    }
    const fields: CField[] = [];
    let unnamed = 0;
    for (const f of body.namedChildren) {
      if (f.type !== 'field_declaration') continue;
      const typeNode = f.childForFieldName('type');
      if (!typeNode) continue;
      const declarators = f.childrenForFieldName('declarator').filter((d): d is Node => d !== null);
      const bitsNode = f.namedChildren.find((c) => c.type === 'bitfield_clause');
      const bits = bitsNode ? (evaluateInt(bitsNode.namedChildren[0] ?? bitsNode) ?? -1) : undefined;
      if (declarators.length === 0) {
        // An anonymous nested struct or union: its members belong to the enclosing record.
        const inner = this.typeOf(typeNode, `${name}_${++unnamed}`, undefined);
        fields.push({ name: `__anonymous${unnamed}`, type: inner, bits });
        continue;
      }
      for (const d of declarators) {
        // An unnamed bitfield (`unsigned : 0;`) is padding: named like the other unnamed members.
        const fieldName = declaratorName(d) || (bits !== undefined ? `__anonymous${++unnamed}` : `__field${fields.length}`);
        const base = this.typeOf(typeNode, `${name}_${fieldName}`, undefined, isConst(f));
        const { type } = this.declarator(d, base, `${name}_${fieldName}`);
        fields.push({ name: fieldName, type, bits });
      }
    }
    // `__attribute__((packed))` after the body: a child of the specifier, or of the enclosing declaration.
    const holder = [
      ...n.namedChildren,
      ...(n.parent?.type === 'translation_unit' ? [n.nextNamedSibling] : (n.parent?.namedChildren ?? [])),
    ];
    const attributePacked = holder.some((c) => c?.type === 'attribute_specifier' && /\bpacked\b|__packed__/.test(c.text));
    const record: CRecord = {
      kind,
      name,
      fields,
      packed: attributePacked ? 1 : this.packing,
      anonymous: tag === undefined,
      doc,
      file: this.file(n),
    };
    this.unit.records.set(name, record);
    return { k: 'named', name, tag: kind };
  }

  private enumeration(n: Node, contextName: string | undefined, doc: string | undefined): CTypeRef {
    const tag = n.childForFieldName('name')?.text;
    const body = n.childForFieldName('body');
    const name = tag ?? contextName;
    if (body) {
      const members: Array<[string, number]> = [];
      let next = 0;
      const known = new Map<string, number>(this.unit.enums.flatMap((e) => e.members.map(([k, v]) => [k, v] as [string, number])));
      for (const e of body.namedChildren) {
        if (e.type !== 'enumerator') continue;
        const member = e.childForFieldName('name')?.text;
        if (!member) continue;
        const valueNode = e.childForFieldName('value');
        if (valueNode) {
          const v = evaluateInt(valueNode, (k) => (known.has(k) ? { kind: 'int', value: BigInt(known.get(k)!) } : undefined));
          if (v === undefined) {
            this.unit.skipped.push({
              name: member,
              kind: 'enum',
              reason: `enumerator value '${valueNode.text}' is not a constant this generator evaluates`,
            });
            continue;
          }
          next = v;
        }
        members.push([member, next]);
        known.set(member, next);
        next++;
      }
      const en: CEnum = { name, members, doc, file: this.file(n) };
      this.unit.enums.push(en);
    }
    return name === undefined ? { k: 'prim', name: 'int' } : { k: 'named', name, tag: 'enum' };
  }

  /** Applies a declarator to a base type: pointers, arrays, functions; returns the declared name. */
  declarator(d: Node, base: CTypeRef, context: string): { name: string | undefined; type: CTypeRef; nonnull: number[] } {
    let type = base;
    let node: Node | null = d;
    const nonnull: number[] = [];
    while (node) {
      switch (node.type) {
        case 'identifier':
        case 'field_identifier':
        case 'type_identifier':
          return { name: node.text, type, nonnull };
        case 'pointer_declarator':
        case 'abstract_pointer_declarator': {
          const quals = node.children.filter((c) => c.type === 'type_qualifier').map((c) => c.text);
          type = { k: 'ptr', to: type, nonnull: quals.includes('_Nonnull') };
          node = node.childForFieldName('declarator');
          break;
        }
        case 'array_declarator':
        case 'abstract_array_declarator': {
          const size = node.childForFieldName('size');
          type = { k: 'array', of: type, length: size ? evaluateInt(size) : undefined };
          node = node.childForFieldName('declarator');
          break;
        }
        case 'function_declarator':
        case 'abstract_function_declarator': {
          const params = node.childForFieldName('parameters');
          const fn = this.parameters(params, type, context);
          fn.params.forEach((p, i) => {
            if (p.type.k === 'ptr' && p.type.nonnull) nonnull.push(i + 1);
          });
          type = { k: 'fn', fn };
          node = node.childForFieldName('declarator');
          break;
        }
        case 'parenthesized_declarator':
        case 'abstract_parenthesized_declarator':
        case 'attributed_declarator':
          node = node.namedChildren.find((c) => c.type.endsWith('declarator') || c.type.endsWith('identifier')) ?? null;
          break;
        case 'init_declarator':
          node = node.childForFieldName('declarator');
          break;
        default:
          return { name: undefined, type, nonnull };
      }
    }
    return { name: undefined, type, nonnull };
  }

  private parameters(list: Node | null, result: CTypeRef, context: string): CFunctionType {
    const params: CParam[] = [];
    let variadic = false;
    for (const p of list?.namedChildren ?? []) {
      if (p.type === 'variadic_parameter') {
        variadic = true;
        continue;
      }
      if (p.type !== 'parameter_declaration') continue;
      const typeNode = p.childForFieldName('type');
      if (!typeNode) continue;
      const d = p.childForFieldName('declarator');
      const pname = d ? declaratorName(d) : undefined;
      const base = this.typeOf(typeNode, `${context}_${pname ?? `arg${params.length}`}`, undefined, isConst(p));
      const { type } = d ? this.declarator(d, base, `${context}_${pname ?? `arg${params.length}`}`) : { type: base };
      params.push({ name: pname, type });
    }
    // `f(void)` takes no parameters.
    if (params.length === 1 && params[0]!.type.k === 'prim' && params[0]!.type.name === 'void' && params[0]!.name === undefined)
      params.pop();
    return { result, params, variadic };
  }
}

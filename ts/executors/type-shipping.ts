// The named types a pool's functions use: described on the caller's thread, declared in each worker before it binds.

import { declarationError } from '../core/errors';
import type { ParsedPrototype } from '../declare/prototype';
import { declareDescribed, describeType, typeNamesIn, type TypeDescription } from '../declare/type-description';
import { namedType, registeredTypes } from '../declare/type-registry';

/** A named type as it crosses to a worker: its description, or why it could not be described (reported by the worker). */
export type WireType = TypeDescription | { readonly name: string; readonly refused: string };

/**
 * Describes every named type the prototypes refer to, directly or through other types (struct members,
 * callback parameters, typedef targets), in declaration order, so each comes after the types it needs.
 */
export function typesFor(protos: readonly ParsedPrototype[]): WireType[] {
  const described = new Map<string, WireType>();
  const visit = (name: string): void => {
    if (described.has(name)) return;
    const type = namedType(name);
    if (type === undefined) return;
    let desc: TypeDescription;
    try {
      desc = describeType(type);
    } catch (err) {
      // Shipped as a refusal: the worker reports it, so it surfaces through pool.ready like any type it cannot declare.
      described.set(name, { name, refused: (err as Error).message });
      return;
    }
    described.set(name, desc);
    for (const needed of desc.needs) visit(needed);
  };
  for (const proto of protos) for (const t of [proto.result, ...proto.params.map((p) => p.type)]) typeNamesIn(t).forEach(visit);
  if (described.size === 0) return [];
  return registeredTypes().flatMap((t) => {
    const d = described.get(t.name);
    return d === undefined ? [] : [d];
  });
}

/**
 * Declares the shipped types in this worker, in order.
 * @throws {DeclarationError} naming the type the worker could not declare.
 */
export function declareTypes(types: readonly WireType[], where: string): void {
  for (const t of types) {
    if ('refused' in t) throw declarationError(`${where}: ${t.refused.replace(/^ffikit: /, '')}`);
    try {
      declareDescribed(t);
    } catch (err) {
      const text = (err as Error).message.replace(/^ffikit: /, '');
      throw declarationError(`${where}: cannot declare type '${t.name}': ${text}`, { cause: err });
    }
  }
}

// Type-level lexing of C declarations: whitespace, words, arrays, names, pointer depth and qualifiers.

export type WS = ' ' | '\t' | '\n' | '\r';
export type TrimLeft<S extends string> = S extends `${WS}${infer R}` ? TrimLeft<R> : S;
export type TrimRight<S extends string> = S extends `${infer R}${WS}` ? TrimRight<R> : S;
export type Trim<S extends string> = TrimLeft<TrimRight<S>>;

export type ReplaceAll<S extends string, F extends string, T extends string, Acc extends string = ''> = S extends `${infer A}${F}${infer B}`
  ? ReplaceAll<B, F, T, `${Acc}${A}${T}`>
  : `${Acc}${S}`;

export type Spaced<S extends string> = ReplaceAll<
  ReplaceAll<ReplaceAll<ReplaceAll<ReplaceAll<ReplaceAll<S, '\t', ' '>, '\n', ' '>, '\r', ' '>, '*', ' * '>, '[', ' [ '>,
  ']',
  ' ] '
>;

export type Words<S extends string, Acc extends string[] = []> = S extends `${infer W} ${infer Rest}`
  ? Words<Rest, W extends '' ? Acc : [...Acc, W]>
  : S extends ''
    ? Acc
    : [...Acc, S];

export type Split<S extends string, D extends string, Acc extends string[] = []> = S extends `${infer A}${D}${infer B}`
  ? Split<B, D, [...Acc, A]>
  : [...Acc, S];

export type Last<T extends string[]> = T extends [...string[], infer L extends string] ? L : never;
export type Init<T extends string[]> = T extends [...infer I extends string[], string] ? I : [];
export type Join<T extends string[], Acc extends string = ''> = T extends [infer H extends string, ...infer R extends string[]]
  ? Join<R, Acc extends '' ? H : `${Acc} ${H}`>
  : Acc;

export type Qualifier = 'const' | 'volatile' | 'restrict' | '__restrict' | '__restrict__' | '_Nonnull' | '_Nullable' | '_Null_unspecified';
export type DirectionWord = '_In_' | '_Out_' | '_Inout_';
export type NullabilityWord = '_Nonnull' | '_Nullable' | '_Null_unspecified' | '__nonnull' | '__nullable';
export type TagWord = 'struct' | 'union' | 'enum';
export type TypeWord = 'unsigned' | 'signed' | 'short' | 'long' | 'int' | 'char' | 'double' | 'float' | 'void' | 'bool' | '_Bool';

// Drops `[ ... ]` array suffixes, counting how many pointer levels they add.
export type StripArrays<W extends string[], N extends 0[] = []> = W extends [...infer I extends string[], ']']
  ? StripArrays<DropToBracket<I>, [...N, 0]>
  : { words: W; extra: N };
export type DropToBracket<W extends string[]> = W extends [...infer I extends string[], infer L]
  ? L extends '['
    ? I
    : DropToBracket<I>
  : [];

export type HasTypeWord<W extends string[]> = W extends [infer H, ...infer R extends string[]]
  ? H extends Qualifier | DirectionWord | NullabilityWord | TagWord | '*'
    ? HasTypeWord<R>
    : true
  : false;

// The last word is the parameter name unless it can only be part of the type.
export type DropName<W extends string[]> = W extends [string]
  ? W
  : Last<W> extends TypeWord | Qualifier | DirectionWord | NullabilityWord | '*'
    ? W
    : HasTypeWord<Init<W>> extends true
      ? Init<W>
      : W;

export type StarTuple<W extends string[], N extends 0[] = []> = W extends [infer H, ...infer R extends string[]]
  ? StarTuple<R, H extends '*' ? [...N, 0] : N>
  : N;

export type ConstBeforeStar<W extends string[]> = W extends [infer H, ...infer R extends string[]]
  ? H extends '*'
    ? false
    : H extends 'const'
      ? true
      : ConstBeforeStar<R>
  : false;

export type BaseWords<W extends string[], Acc extends string[] = []> = W extends [infer H extends string, ...infer R extends string[]]
  ? BaseWords<R, H extends Qualifier | DirectionWord | NullabilityWord | TagWord | '*' ? Acc : [...Acc, H]>
  : Acc;

export type DirectionOf<W extends string[]> = '_Out_' extends W[number] ? 'out' : '_Inout_' extends W[number] ? 'inout' : 'in';

/** A parsed C type at the type level. */
export interface TypeInfo {
  base: string;
  stars: number;
  constBase: boolean;
  dir: 'in' | 'out' | 'inout';
  /** `_Nonnull` (or `__nonnull`) was written on it. */
  nonnull: boolean;
}

export type AnalyzeWords<W extends string[], Extra extends 0[] = []> = {
  base: Join<BaseWords<W>>;
  stars: [...StarTuple<W>, ...Extra]['length'] extends infer L extends number ? L : never;
  constBase: ConstBeforeStar<W>;
  dir: DirectionOf<W>;
  nonnull: '_Nonnull' extends W[number] ? true : '__nonnull' extends W[number] ? true : false;
};

export type AnalyzeParam<S extends string> =
  StripArrays<Words<Spaced<S>>> extends { words: infer W extends string[]; extra: infer E extends 0[] }
    ? AnalyzeWords<DropName<W>, E>
    : never;

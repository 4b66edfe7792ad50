// Symbol.dispose / Symbol.asyncDispose for realms that lack them (vm contexts such as jest's).

// Node 20 defines both in its main realm as these registered symbols; reusing the same registry keys
// keeps `using` and `[Symbol.dispose]()` interoperable across realms. A no-op where they exist.
const symbols = Symbol as unknown as { dispose?: symbol; asyncDispose?: symbol };
symbols.dispose ??= Symbol.for('nodejs.dispose');
symbols.asyncDispose ??= Symbol.for('nodejs.asyncDispose');

export {};

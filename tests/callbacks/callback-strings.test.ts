// Callback string parameters with an explicit length (callbackType lengths): fixture chunks and expat's character data.
import * as ffikit from '../../ts/index';
import { fixturePaths } from '../fixtures/build';

const CharData = ffikit.callbackType('void CharData(void *ud, const char *s, int len)', { lengths: { s: 'len' } });
ffikit.callbackType('void RawCharData(void *ud, const char *s, int len)');

const lib = ffikit.load(fixturePaths().structArrays);
const m = lib.bind({
  emit: 'int emit_chunks(CharData *cb, void *ud)',
  emitRaw: 'int emit_chunks(RawCharData *cb, void *ud)',
});

afterAll(() => lib.close());

const expected = [
  ['héllo', 6],
  ['wörld', 6],
  ['', 0],
  [null, 0],
];

describe('length-bound callback strings', () => {
  it('a transient callback receives exactly len bytes, decoded as UTF-8', () => {
    const got: [string | null, number][] = [];
    expect(m.emit((_ud: unknown, s: string | null, len: number) => void got.push([s, len]), null)).toBe(4);
    expect(got).toEqual(expected);
  });

  it('a registered callback receives exactly len bytes too', () => {
    const got: [string | null, number][] = [];
    using cb = lib.register(CharData, (_ud, s, len) => {
      // The type-level signature stays a string parameter.
      const text: string | null = s;
      got.push([text, len]);
    });
    expect(m.emit(cb, null)).toBe(4);
    expect(m.emit(cb.pointer, null)).toBe(4);
    expect(got).toEqual([...expected, ...expected]);
  });

  it('without lengths the string is read up to the next NUL, past len (why the option exists)', () => {
    const got: (string | null)[] = [];
    m.emitRaw((_ud: unknown, s: string | null) => void got.push(s), null);
    expect(got[0]?.startsWith('héllowörldXXXX')).toBe(true);
  });

  it('an exception in such a callback is still a CallbackError after the call', () => {
    const boom = new Error('boom');
    let err: unknown;
    try {
      m.emit(() => {
        throw boom;
      }, null);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ffikit.CallbackError);
    expect((err as ffikit.CallbackError).cause).toBe(boom);
  });

  it('bad lengths entries are DeclarationErrors', () => {
    const bad = (proto: string, lengths: unknown): unknown => {
      try {
        ffikit.callbackType(proto, { lengths } as ffikit.CallbackTypeOptions);
      } catch (e) {
        return e;
      }
      throw new Error('expected an error');
    };
    const e1 = bad('void B1(void *ud, const char *s, int len)', { t: 'len' }) as Error;
    expect(e1).toBeInstanceOf(ffikit.DeclarationError);
    expect(e1.message).toBe(
      "callbackType(B1): lengths.t expected a string parameter (const char *, const char16_t * or const char32_t *) of 'void B1(void *ud, const char *s, int len)', got no such parameter.",
    );
    expect((bad('void B2(void *ud, int *s, int len)', { s: 'len' }) as Error).message).toMatch(
      /lengths.s expected a string parameter .* got int \*\.$/,
    );
    expect((bad('void B3(void *ud, const char *s, double len)', { s: 'len' }) as Error).message).toBe(
      "callbackType(B3): lengths.s expected the name of an integer parameter of 'void B3(void *ud, const char *s, double len)', got string (3 chars).",
    );
    expect((bad('void B4(void *ud, const char *s, int len)', { s: 'n' }) as Error).message).toMatch(
      /lengths.s expected the name of an integer parameter/,
    );
    expect(bad('void B5(void *ud, const char *s, int len)', ['s'])).toBeInstanceOf(ffikit.ArgumentError);
    // Declaring the same name again must agree on lengths too.
    expect(() => ffikit.callbackType('void CharData(void *ud, const char *s, int len)')).toThrow(ffikit.DeclarationError);
    expect(ffikit.callbackType('void CharData(void *ud, const char *s, int len)', { lengths: { s: 'len' } })).toBe(CharData);
  });
});

describe("expat's XML_SetCharacterDataHandler", () => {
  ffikit.opaque('XML_ParserStruct');
  ffikit.pointer('XML_Parser', 'XML_ParserStruct');
  ffikit.alias('XML_Char', 'char');
  const Handler = ffikit.callbackType('void XML_CharacterDataHandler(void *userData, const XML_Char *s, int len)', {
    lengths: { s: 'len' },
  });
  const expat = ffikit.load('libexpat.so.1');
  const x = expat.bind({
    create: 'XML_Parser XML_ParserCreate(const XML_Char *encoding)',
    free: 'void XML_ParserFree(XML_Parser parser)',
    setCharData: 'void XML_SetCharacterDataHandler(XML_Parser parser, XML_CharacterDataHandler handler)',
    parse: 'int XML_Parse(XML_Parser parser, const char *s, int len, int isFinal)',
  });
  afterAll(() => expat.close());

  it('the handler gets each chunk exactly, multi-byte characters and entities included', () => {
    const parser = x.create(null);
    const chunks: string[] = [];
    // XML_Char is an alias known at run time only; the type level sees an unknown pointer type.
    using handler = expat.register(Handler, (_ud, s) => void chunks.push(s as unknown as string));
    try {
      x.setCharData(parser, handler);
      const xml = '<a>héllo <b>wörld</b> &amp; €</a>';
      expect(x.parse(parser, xml, Buffer.byteLength(xml), 1)).toBe(1);
    } finally {
      x.free(parser);
    }
    expect(chunks.join('')).toBe('héllo wörld & €');
    expect(chunks).toContain('&');
  });
});

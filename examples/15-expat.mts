// Example: the system expat XML parser — enumerations as results and errcheck, a pointer typedef as a typed handle, registered callbacks.
import * as ffikit from 'ffikit';

// typedef struct XML_ParserStruct *XML_Parser;  — an opaque struct behind a pointer typedef.
declare module 'ffikit' {
  interface NamedTypes {
    XML_ParserStruct: ffikit.Opaque;
    XML_Parser: ffikit.Alias<'XML_ParserStruct *'>;
    XML_Status: typeof Status;
    XML_Error: typeof XmlError;
  }
}
ffikit.opaque('XML_ParserStruct');
ffikit.pointer('XML_Parser', 'XML_ParserStruct');
const Status = ffikit.enumeration('XML_Status', { XML_STATUS_ERROR: 0, XML_STATUS_OK: 1, XML_STATUS_SUSPENDED: 2 });
const XmlError = ffikit.enumeration('XML_Error', {
  XML_ERROR_NONE: 0,
  XML_ERROR_NO_MEMORY: 1,
  XML_ERROR_SYNTAX: 2,
  XML_ERROR_NO_ELEMENTS: 3,
  XML_ERROR_INVALID_TOKEN: 4,
  XML_ERROR_UNCLOSED_TOKEN: 5,
  XML_ERROR_PARTIAL_CHAR: 6,
  XML_ERROR_TAG_MISMATCH: 7,
});
const StartElement = ffikit.callbackType('void XML_StartElementHandler(void *userData, const char *name, void *atts)');
const EndElement = ffikit.callbackType('void XML_EndElementHandler(void *userData, const char *name)');
const CharData = ffikit.callbackType('void XML_CharacterDataHandler(void *userData, void *s, int len)');

using lib = ffikit.load('libexpat.so.1'); // macOS: 'libexpat.1.dylib'
const x = lib.bind({
  create: { fn: 'XML_Parser XML_ParserCreate(const char *encoding)', errcheck: 'null-is-failure' },
  free: { fn: 'void XML_ParserFree(XML_Parser parser)', disposes: 'parser' },
  setElementHandler: 'void XML_SetElementHandler(XML_Parser p, XML_StartElementHandler start, XML_EndElementHandler end)',
  setCharacterDataHandler: 'void XML_SetCharacterDataHandler(XML_Parser p, XML_CharacterDataHandler handler)',
  // An errorCodes table made from the enumeration: XML_STATUS_OK is success, anything else a NativeError.
  parse: {
    fn: 'XML_Status XML_Parse(XML_Parser p, const char *s, int len, int isFinal)',
    errcheck: ffikit.errorCodes(Status, { ok: ['XML_STATUS_OK'] }),
  },
  errorCode: 'XML_Error XML_GetErrorCode(XML_Parser p)', // an enum result comes back as a number
  // int, not XML_Error: an enum parameter refuses values that are not members, and only some are listed above
  errorString: 'const char *XML_ErrorString(int code)',
  line: 'unsigned long XML_GetCurrentLineNumber(XML_Parser p)',
});

// atts is a NULL-terminated array of name/value string pointers.
function attributes(atts: bigint | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (let at = atts ?? 0n; at !== 0n; at += 16n) {
    const name = ffikit.decode(at, 'const char *') as string | null;
    if (name === null) break;
    out[name] = ffikit.decode(at + 8n, 'const char *') as string;
  }
  return out;
}

function outline(xml: string): string[] {
  const lines: string[] = [];
  let depth = 0;
  // expat keeps the handler pointers after XML_SetElementHandler returns: they must be registered
  // (long-lived), not transient; `using` releases them when this function returns.
  using start = lib.register(StartElement, (_u, name, atts) => {
    const a = Object.entries(attributes(atts as bigint | null)).map(([k, v]) => ` ${k}=${v}`);
    lines.push(`${'  '.repeat(depth++)}<${name ?? ''}${a.join('')}>`);
  });
  using end = lib.register(EndElement, () => void depth--);
  using text = lib.register(CharData, (_u, s, len) => {
    const t = (ffikit.decode(s as bigint, 'char', len) as string).trim();
    if (t) lines.push(`${'  '.repeat(depth)}"${t}"`);
  });
  using parser = x.create(null); // Handle<'XML_ParserStruct'>; XML_ParserFree runs at the end of the scope
  x.setElementHandler(parser, start, end);
  x.setCharacterDataHandler(parser, text);
  try {
    x.parse(parser, xml, Buffer.byteLength(xml), 1);
  } catch (err) {
    if (!(err instanceof ffikit.NativeError)) throw err;
    const code = x.errorCode(parser);
    lines.push(
      `${err.statusName}: ${x.errorString(code) ?? '?'} (XML_Error ${code}${code === XmlError.XML_ERROR_TAG_MISMATCH ? ', XML_ERROR_TAG_MISMATCH' : ''}) at line ${x.line(parser)}`,
    );
  }
  return lines;
}

console.log(`expat from ${lib.path}`);
console.log(outline('<libs><lib name="sqlite3" abi="0">SQL</lib><lib name="expat">XML</lib></libs>').join('\n'));
console.log(outline('<a>\n<b></a>').join('\n'));

// Debug output for NODE_DEBUG=ffikit.

import { debuglog } from 'node:util';

/** Logs only when NODE_DEBUG includes `ffikit`. */
export const debug = debuglog('ffikit');

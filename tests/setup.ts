// Per-file jest setup: koffi's type registry is process-global, so every test file starts clean.
import { clearNamedTypes } from '../ts/declare/named-types';

afterAll(() => {
  clearNamedTypes();
});

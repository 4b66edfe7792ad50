// "Did you mean" suggestions by edit distance, for names a user mistyped (symbols, commands).

/** Levenshtein distance (insertions, deletions, substitutions), stopping early past `max`. */
export function levenshtein(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      row.push(v);
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * The names closest to `wanted`: within an edit distance of about a third of its length (at least 2),
 * compared case-insensitively, plus names that contain it or are contained in it. Best first.
 */
export function didYouMean(wanted: string, names: Iterable<string>, limit = 5): string[] {
  const w = wanted.toLowerCase();
  const max = Math.max(2, Math.floor(wanted.length / 3));
  const scored: Array<{ name: string; score: number }> = [];
  for (const name of new Set(names)) {
    if (name === wanted) continue;
    const n = name.toLowerCase();
    let score = levenshtein(w, n, max);
    // A prefix/suffix/infix match (`add` vs `simd_add`) is a good hint even when the distance is large.
    if (score > max && w.length >= 3 && (n.includes(w) || (n.length >= 3 && w.includes(n)))) score = max + 0.5;
    if (score <= max + 0.5) scored.push({ name, score });
  }
  scored.sort(
    (x, y) =>
      x.score - y.score ||
      Math.abs(x.name.length - wanted.length) - Math.abs(y.name.length - wanted.length) ||
      x.name.localeCompare(y.name),
  );
  return scored.slice(0, limit).map((s) => s.name);
}

/** Itanium-mangled C++ names that declare `name` (so the user can be told to use extern "C"). */
export function mangledMatches(name: string, names: Iterable<string>): string[] {
  const marker = `${name.length}${name}`;
  const out: string[] = [];
  for (const n of names) {
    const at = n.startsWith('_Z') ? n.indexOf(marker) : -1;
    // The length prefix must not be the tail of a longer number (`12add` is not `2add`).
    if (at > 0 && !/\d/.test(n[at - 1] as string)) out.push(n);
  }
  return out;
}

/** "Did you mean" for a symbol: C++ mangled names are left out unless the user typed one. */
export function suggestSymbols(wanted: string, names: readonly string[], limit = 5): string[] {
  return didYouMean(wanted, wanted.startsWith('_Z') ? names : names.filter((n) => !n.startsWith('_Z')), limit);
}

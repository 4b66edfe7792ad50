// Soak: runs tests/soak/managed-array-soak.js (3M ManagedArray create/dispose cycles + GC backstop) in a child.
import * as path from 'node:path';

import { ROOT } from '../helpers/child';
import { childPool } from '../helpers/child-pool';

const run = childPool(1);

interface SoakSummary {
  cycles: number;
  checkpoint: number;
  seconds: number;
  cyclesPerSecond: number;
  checksumOk: boolean;
  liveAtCheckpoint: number;
  liveAtEnd: number;
  rssCheckpointMB: number;
  rssEndMB: number;
  growthMB: number;
  syncBurst: { cycles: number; seconds: number; rssGrowthMB: number; bytesPerCycle: number; live: number };
  backstop: {
    arrays: number;
    leaked: number;
    liveAfter: number;
    seconds: number;
    gcRounds: number;
    warnings: number;
    warning: string | null;
  };
}

describe('ManagedArray soak (child process, --expose-gc)', () => {
  it('3M create/dispose cycles leak nothing; forgotten arrays are reclaimed by the backstop', async () => {
    const script = path.join(ROOT, 'tests', 'soak', 'managed-array-soak.js');
    const result = await run(`require(${JSON.stringify(script)})`, {
      nodeArgs: ['--expose-gc'],
      timeoutMs: 150_000,
      env: { FFIKIT_TRACE_SITES: '', FFIKIT_CHECKED: '' },
    });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as SoakSummary;
    process.stdout.write(`soak: ${JSON.stringify(summary)}\n`);

    expect(summary.cycles).toBe(3_000_000);
    expect(summary.checksumOk).toBe(true); // every write/read round-tripped
    expect(summary.liveAtCheckpoint).toBe(0); // ffikit_live_allocations() back to its start value at 1M...
    expect(summary.liveAtEnd).toBe(0); // ...and at 3M
    expect(summary.growthMB).toBeLessThan(5); // RSS (after GC) at 3M vs 1M
    expect(summary.syncBurst.live).toBe(0);

    expect(summary.backstop.leaked).toBe(summary.backstop.arrays); // 10,000 really were left undisposed
    expect(summary.backstop.liveAfter).toBe(0); // and GC freed every one of them
    expect(summary.backstop.seconds).toBeLessThan(10);
    // Sites are not recorded by default (managed-array-backstop.test.ts covers FFIKIT_TRACE_SITES): one warning.
    expect(summary.backstop.warnings).toBe(1);
    expect(summary.backstop.warning).toMatch(
      /^ManagedArray\(float64, 4\) created at <unknown; set FFIKIT_CHECKED=1 .*> was never disposed/,
    );
  }, 180_000);
});

import { describe, it } from 'vitest';

// The entry fast path (issue 14, step 5) is not built: every entry still reads the symbol's
// position and the mark price from REST before it leaves (2 venue calls, see the bench). These
// are the cases that must keep the careful path once it is; they are skipped until then.
describe('the entry fast path', () => {
  it.skip('is not taken while the feed is down: the baseline is read from REST (not built: no fast path yet)', () => {});
  it.skip("is not taken when the feed's view of the symbol is stale (a REST read received less than restLagMs after the stream came up) (not built: no fast path yet)", () => {});
  it.skip('is not taken when the cached trigger price is older than reportStaleMs by venue time (not built: no fast path yet; the simulators now serve the ticker stream it will read, with a tickerDelay fault)', () => {});
});

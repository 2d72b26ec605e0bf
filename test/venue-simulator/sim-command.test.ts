/**
 * `posguard sim`: serves the wire simulator, prints where to point Bybit and Binance accounts
 * and the key they use, and stops cleanly; a bad port is a usage error.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { runSim } from '../../src/cli/sim.js';
import { plain } from '../support/wire-client.js';

describe('posguard sim', () => {
  it('serves the simulator, prints the URLs, key and admin endpoint, and stops', async () => {
    let out = '';
    let served = false;
    const code = await runSim(['--port', '0'], {
      write: (text) => {
        out += text;
      },
      until: async (wire) => {
        const info = await plain(`${wire.urls.bybit.rest}/v5/market/instruments-info?category=linear`);
        served = (info.json as { retCode: number }).retCode === 0;
        expect((await plain(wire.urls.admin)).status).toBe(200);
      },
    });
    expect(code).toBe(0);
    expect(served).toBe(true);
    expect(out).toMatch(/Bybit v5 +rest http:\/\/127\.0\.0\.1:\d+ +ws ws:\/\/127\.0\.0\.1:\d+\/v5\/private/);
    expect(out).toMatch(/Binance USD-M +rest http:\/\/127\.0\.0\.1:\d+ +ws ws:\/\/127\.0\.0\.1:\d+\/ws/);
    expect(out).toContain('posguard-sim-key');
    expect(out).toMatch(/admin +http:\/\/127\.0\.0\.1:\d+\/admin/);
    expect(out).toContain('"exchange":"binanceusdm"');
    expect(out).toContain('stopped');
  });

  it('refuses a port that is not a TCP port', async () => {
    await expect(runSim(['--port', 'eighty'], { write: () => {}, until: async () => {} })).rejects.toBeInstanceOf(
      UsageError,
    );
    await expect(runSim(['extra'], { write: () => {}, until: async () => {} })).rejects.toBeInstanceOf(UsageError);
  });
});

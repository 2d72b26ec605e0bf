/**
 * The `posguard` command line, run in process with the real parser and runner: help and
 * version, usage mistakes, and every command that talks to a running worker's API, each with
 * the exit code the README documents.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.js';
import { VERSION, main } from '../../src/cli/program.js';
import { defaultRunner } from '../../src/cli/runner.js';
import { AVL, eventually, startTestService, type TestService } from '../service/support.js';

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

async function posguard(
  argv: readonly string[],
  env: Record<string, string | undefined> = {},
  confirm?: (q: string) => Promise<boolean>,
): Promise<Run> {
  let out = '';
  let err = '';
  const io = {
    out: (t: string) => {
      out += t;
    },
    err: (t: string) => {
      err += t;
    },
  };
  const code = await main(argv, io, defaultRunner({ env, out: io.out, confirm }));
  return { code, out, err };
}

const COMMANDS = ['start', 'demo', 'sim', 'status', 'open', 'close', 'halt', 'resume', 'flatten', 'alerts', 'sweep'];

describe('help, version and usage', () => {
  it.each(COMMANDS)('posguard %s --help prints its usage and exits 0', async (command) => {
    const run = await posguard([command, '--help']);
    expect(run.code).toBe(EXIT.ok);
    expect(run.out).toContain(`Usage: posguard ${command}`);
  });

  it('lists every command and the exit codes in posguard --help, and prints the version', async () => {
    const help = await posguard(['--help']);
    expect(help.code).toBe(0);
    for (const c of COMMANDS) expect(help.out).toContain(`  ${c}`);
    expect(help.out).toMatch(/Exit codes:\n {2}0 {2}done/);
    const version = await posguard(['--version']);
    expect(version.out.trim()).toBe(VERSION);
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 for an unknown command, an unknown option or a missing argument', async () => {
    expect((await posguard(['bogus'])).code).toBe(EXIT.usage);
    expect((await posguard(['status', '--bogus'])).code).toBe(EXIT.usage);
    expect((await posguard(['close'])).code).toBe(EXIT.usage);
    expect((await posguard(['sim', '--port', 'eighty'])).code).toBe(EXIT.usage);
  });

  it('refuses a config path given without --config, and says to use --config', async () => {
    const run = await posguard(['start', 'posguard.json']);
    expect(run.code).toBe(EXIT.usage);
    expect(run.err).toContain('--config posguard.json');
  });
});

describe('bad configs', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'posguard-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['an empty object', {}, 'accounts'],
    ['no accounts', { http: { port: 7171 } }, 'accounts'],
    ['an empty account list', { accounts: [] }, 'accounts'],
    ['a typo', { accounts: [{ id: 'paper', exchange: 'sim' }], verificaton: {} }, 'verificaton'],
    [
      'a token with an unknown scope',
      {
        accounts: [{ id: 'paper', exchange: 'sim' }],
        http: { tokens: [{ name: 'x', token: 'x'.repeat(16), scopes: ['write'] }] },
      },
      'http.tokens[0].scopes[0]',
    ],
  ])('start exits 2 naming the field for %s, before anything starts', async (_name, content, field) => {
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify(content));
    const run = await posguard(['start', '--config', path]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.err).toContain(field);
  });

  it('refuses a non-loopback bind without a token (exit 2)', async () => {
    const path = join(dir, 'open.json');
    await writeFile(
      path,
      JSON.stringify({ accounts: [{ id: 'paper', exchange: 'sim' }], http: { host: '0.0.0.0', port: 1 } }),
    );
    const run = await posguard(['start', '--config', path]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.err).toMatch(/no API token is configured/);
  });
});

describe('commands against a running worker', () => {
  let t: TestService;
  let url: string;
  beforeAll(async () => {
    t = await startTestService();
    url = t.url;
  });
  afterAll(async () => {
    await t.stop();
  });

  it('opens a position, shows it in status (table and JSON), and closes it', async () => {
    const opened = await posguard(['open', 'paper', AVL, 'buy', '43', '--stop', '0.21', '--url', url, '--json']);
    expect(opened.code).toBe(EXIT.ok);
    const { id } = JSON.parse(opened.out) as { id: string };
    await eventually(async () => {
      const rows = JSON.parse((await posguard(['status', '--json', '--url', url])).out) as {
        id: string;
        state: string;
      }[];
      return rows.find((r) => r.id === id)?.state === 'open';
    });
    const table = await posguard(['status', '--url', url]);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^ID +ACCOUNT +SYMBOL +SIDE +SIZE +STATE +IN STATE +PROTECTION/);
    expect(table.out).toMatch(new RegExp(`${id} +paper +AVL/USDT:USDT +buy +43/43 +open +\\d+s +stop confirmed`));
    const onlyClosed = await posguard(['status', '--state', 'closed', '--url', url]);
    expect(onlyClosed.out).toBe('no positions\n');
    const close = await posguard(['close', id, '--url', url]);
    expect(close.code).toBe(0);
    expect(close.out).toMatch(/close requested for position/);
  }, 15_000);

  it('exits 4 when the API refuses: an invalid intent (with the field), an unknown id, a halted account', async () => {
    const bad = await posguard(['open', 'paper', 'AVLUSDT', 'buy', '43', '--url', url]);
    expect(bad.code).toBe(EXIT.refused);
    expect(bad.err).toContain("did you mean 'AVL/USDT:USDT'");
    expect((await posguard(['close', '01NOPE', '--url', url])).code).toBe(EXIT.refused);
    expect((await posguard(['halt', 'paper', '--reason', 'cli test', '--url', url])).code).toBe(0);
    const halted = await posguard(['open', 'paper', 'BTC/USDT:USDT', 'buy', '0.001', '--url', url]);
    expect(halted.code).toBe(EXIT.refused);
    expect(halted.err).toMatch(/halted/);
    expect((await posguard(['resume', 'paper', '--url', url])).code).toBe(0);
    expect((await posguard(['open', 'paper', AVL, 'sideways', '43', '--url', url])).code).toBe(EXIT.usage);
    expect((await posguard(['open', 'paper', AVL, 'buy', 'NaN', '--url', url])).code).toBe(EXIT.usage);
  });

  it('flattens an account only once confirmed (asked on a terminal, else --yes): halted, its positions closing', async () => {
    const noTerminal = await posguard(['flatten', 'paper', '--url', url]);
    expect(noTerminal.code).toBe(EXIT.usage);
    expect(noTerminal.err).toMatch(/--yes/);
    const declined = await posguard(['flatten', 'paper', '--url', url], {}, async () => false);
    expect(declined.code).toBe(EXIT.failed);
    expect(declined.out).toBe('not flattened\n');
    expect(((await t.request('GET', '/v1/accounts')).json as { trading: string }[])[0]?.trading).toBe('active'); // nothing done yet
    const yes = await posguard(['flatten', 'paper', '--yes', '--url', url]);
    expect(yes.code).toBe(EXIT.ok);
    expect(yes.out).toMatch(/^account paper halted; \d+ positions? of posguard's closing/);
    expect(((await t.request('GET', '/v1/accounts')).json as { trading: string }[])[0]?.trading).toBe('halted');
    expect((await posguard(['resume', 'paper', '--url', url])).code).toBe(EXIT.ok);
  });

  it('runs a sweep on the worker and prints its report, and lists alerts', async () => {
    t.sim.openExternalPosition('paper', 'ETH/USDT:USDT', 'sell', 0.02);
    const sweep = await posguard(['sweep', 'orphans', '--url', url]);
    expect(sweep.code).toBe(0);
    expect(sweep.out).toMatch(/orphans sweep of paper: 1 finding/);
    expect(sweep.out).toMatch(/ETH\/USDT:USDT/);
    const alerts = await eventually(async () => {
      const run = await posguard(['alerts', '--url', url]);
      return run.out.includes('orphan') ? run : undefined;
    });
    expect(alerts.code).toBe(0);
    expect((await posguard(['sweep', 'sideways', '--url', url])).code).toBe(EXIT.usage);
  });

  it('finds the worker through POSGUARD_URL, and exits 3 when none answers', async () => {
    expect((await posguard(['status'], { POSGUARD_URL: url })).code).toBe(0);
    const down = await posguard(['status', '--url', 'http://127.0.0.1:9']);
    expect(down.code).toBe(EXIT.unreachable);
    expect(down.err).toMatch(/no posguard worker answers at http:\/\/127\.0\.0\.1:9/);
  });
});

describe('commands against a worker with tokens', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ http: { token: 'CLI-ADMIN-TOKEN-000001' } });
  });
  afterAll(async () => {
    await t.stop();
  });

  it('send POSGUARD_TOKEN as the bearer token, and exit 4 without it', async () => {
    expect((await posguard(['status', '--url', t.url])).code).toBe(EXIT.refused);
    expect((await posguard(['status', '--url', t.url], { POSGUARD_TOKEN: 'CLI-ADMIN-TOKEN-000001' })).code).toBe(0);
  });
});

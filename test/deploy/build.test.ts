/**
 * The build: `npm run build` compiles dist/ (JavaScript and declarations), so that the
 * `posguard` command and `import 'posguard'` work from plain Node, with no TypeScript loader —
 * and the library example of the README runs from it to a verified close.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

let dir: string;
beforeAll(async () => {
  await run('npm', ['run', '-s', 'build'], { cwd: ROOT });
  dir = await mkdtemp(join(tmpdir(), 'posguard-consumer-'));
  // A bot's project with posguard installed: node_modules/posguard is the package.
  await mkdir(join(dir, 'node_modules'));
  await symlink(ROOT, join(dir, 'node_modules', 'posguard'), 'dir');
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'a-bot', type: 'module', private: true }));
}, 120_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the built package', () => {
  it('has JavaScript and declarations for the library and the CLI', () => {
    for (const f of ['index.js', 'index.d.ts', 'cli/main.js', 'service/server.js', 'service/server.d.ts'])
      expect(existsSync(join(ROOT, 'dist', f)), f).toBe(true);
  });

  it('has the dashboard bundled (dist/web), served from there where web/ is not shipped', async () => {
    const js = await readFile(join(ROOT, 'dist', 'web', 'app.js'), 'utf8');
    expect(js.length).toBeGreaterThan(10_000);
    expect(js).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    // An installed package holds dist/ but not web/: the build's bundle is served.
    const installed = await mkdtemp(join(tmpdir(), 'posguard-installed-'));
    await mkdir(join(installed, 'dist', 'web'), { recursive: true });
    await writeFile(join(installed, 'dist', 'web', 'app.js'), js);
    await writeFile(
      join(installed, 'dist', 'web', 'app.css'),
      await readFile(join(ROOT, 'dist', 'web', 'app.css'), 'utf8'),
    );
    const { dashboardAssets } = await import('../../src/service/dashboard/bundle.js');
    expect((await dashboardAssets(installed)).js).toBe(js);
    await rm(installed, { recursive: true, force: true });
  });

  it('runs posguard --help and --version from plain Node', async () => {
    const help = await run('node', [join(ROOT, 'bin', 'posguard.js'), '--help']);
    expect(help.stdout).toContain('Usage: posguard');
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
      bin: Record<string, string>;
    };
    expect(pkg.bin.posguard).toBe('bin/posguard.js');
    expect((await run('node', [join(ROOT, 'bin', 'posguard.js'), '--version'])).stdout.trim()).toBe(pkg.version);
    const bad = await run('node', [join(ROOT, 'bin', 'posguard.js'), 'start', 'posguard.json']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad).toMatchObject({ code: 2 });
  });

  it('imports as posguard from plain Node and runs the README example to a verified close', async () => {
    await writeFile(
      join(dir, 'bot.js'),
      `
import { createGuard, POSITION_STATES, InvalidIntent } from 'posguard';
const guard = await createGuard({ accounts: [{ id: 'paper', exchange: 'sim' }] });
const pos = await guard.open({ account: 'paper', symbol: 'AVL/USDT:USDT', side: 'buy', amount: 43, stopLoss: 0.21 });
const opened = await pos.settled({ timeoutMs: 60_000 });
await guard.close(pos.id);
const closed = await guard.position(pos.id).settled({ timeoutMs: 60_000 });
let refused = '';
try { await guard.open({ account: 'paper', symbol: 'AVLUSDT', side: 'buy', amount: 43 }); } catch (e) { refused = e instanceof InvalidIntent ? e.field : String(e); }
await guard.stop();
console.log(JSON.stringify({ opened, closed, states: POSITION_STATES.length, refused }));
`,
    );
    const { stdout } = await run('node', ['bot.js'], { cwd: dir, timeout: 60_000 });
    expect(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}')).toEqual({
      opened: 'open',
      closed: 'closed',
      states: 11,
      refused: 'symbol',
    });
  }, 90_000);
});

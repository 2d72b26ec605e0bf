/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine: Redis runs (a local
 * `redis-server` on a free port) with the compose file's flags and keeps what it is told;
 * every posguard command in the file parses with the real CLI; the config it mounts loads;
 * every port, env var and file the two files name exists.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../src/config/config.js';
import { buildProgram, type Invocation } from '../../src/cli/program.js';
import { startConfig } from '../../src/cli/start.js';

const ROOT = join(import.meta.dirname, '..', '..');
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      image?: string;
      build?: string;
      command?: string[];
      ports?: string[];
      volumes?: string[];
      environment?: Record<string, string>;
      healthcheck?: { test: string[] };
      depends_on?: Record<string, { condition: string }>;
    }
  >;
  volumes: Record<string, unknown>;
};
const services = compose.services;

/** How the real CLI parses a command line (nothing is run). */
async function parseCli(argv: readonly string[]): Promise<Invocation> {
  let seen: Invocation | undefined;
  const program = buildProgram({ out: () => {}, err: () => {} }, async (inv) => {
    seen = inv;
    return 0;
  });
  await program.parseAsync([...argv], { from: 'user' });
  if (seen === undefined) throw new Error(`no command parsed from ${argv.join(' ')}`);
  return seen;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const posguardServices = Object.entries(services).filter(
  ([, s]) => s.image === 'posguard:local' && s.command?.[0] === 'start',
);

describe('the Redis of docker-compose.yml', () => {
  let server: ChildProcess | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    server?.kill('SIGTERM');
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('runs with its flags: append-only, fsync every second, no eviction', async () => {
    const redis = services.redis;
    const [binary, ...flags] = redis?.command ?? [];
    expect(binary).toBe('redis-server');
    const port = await freePort();
    dir = await mkdtemp(join(tmpdir(), 'posguard-compose-redis-'));
    server = spawn(
      'redis-server',
      [...flags, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no'],
      { stdio: 'ignore' },
    );
    const connect = (): Redis => {
      const c = new Redis({
        port,
        host: '127.0.0.1',
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      c.on('error', () => {});
      return c;
    };
    await expect
      .poll(
        async () => {
          const c = connect();
          const up = await c.ping().then(
            () => true,
            () => false,
          );
          c.disconnect();
          return up;
        },
        { timeout: 10_000, interval: 200 },
      )
      .toBe(true);
    const client = connect();
    const config = async (name: string) => (await client.config('GET', name))[1];
    expect(await config('appendonly')).toBe('yes');
    expect(await config('appendfsync')).toBe('everysec');
    expect(await config('maxmemory-policy')).toBe('noeviction');
    await client.set('k', 'v');
    expect(await client.get('k')).toBe('v');
    client.disconnect();
  }, 20_000);

  it('is not published, keeps its data in a volume, and has a healthcheck', () => {
    const redis = services.redis;
    expect(redis?.ports).toBeUndefined();
    const [volume, mount] = (redis?.volumes?.[0] ?? '').split(':');
    expect(mount).toBe('/data');
    expect(Object.keys(compose.volumes)).toContain(volume);
    expect(redis?.healthcheck?.test.join(' ')).toMatch(/redis-cli ping/);
  });
});

describe('the posguard workers of docker-compose.yml', () => {
  it('are two, sharing one config', () => {
    expect(posguardServices.map(([name]) => name)).toEqual(['posguard-a', 'posguard-b']);
    const [a, b] = posguardServices.map(([, s]) =>
      JSON.stringify({ command: s.command, volumes: s.volumes, environment: s.environment }),
    );
    expect(a).toBe(b);
  });

  it.each(posguardServices)(
    '%s: its command parses with the real CLI, and the config it mounts loads with the token from its environment',
    async (_name, s) => {
      const inv = await parseCli(s.command ?? []);
      expect(inv.command).toBe('start');
      const inContainer = String(inv.options.config);
      const mount = (s.volumes ?? []).map((v) => v.split(':')).find(([, to]) => to === inContainer);
      expect(mount, `a volume mounts ${inContainer}`).toBeDefined();
      const onHost = join(ROOT, mount?.[0] ?? '');
      expect(existsSync(onHost)).toBe(true);
      const config = await loadConfigFile(onHost);
      expect(config.accounts.length).toBeGreaterThan(0);
      // Bound beyond loopback inside the container: a token is needed, and the environment gives it.
      expect(config.http.host).toBe('0.0.0.0');
      const env = Object.keys(s.environment ?? {});
      expect(env).toContain('POSGUARD_HTTP_TOKEN');
      expect((await startConfig(onHost, { POSGUARD_HTTP_TOKEN: 'token-from-compose' })).http.token).toBe(
        'token-from-compose',
      );
      // Redis and the simulator are the compose file's services.
      expect(new URL(config.redis).hostname).toBe('redis');
      const simPort = (await parseCli(services.sim?.command ?? [])).options.port;
      for (const a of config.accounts) {
        for (const u of [a.urls?.rest, a.urls?.ws]) {
          expect(new URL(u ?? '').hostname).toBe('sim');
          expect(new URL(u ?? '').port).toBe(String(simPort));
        }
      }
      // Published on this machine only, at the port the config serves; healthy when ready.
      for (const p of s.ports ?? []) {
        const [host, , inside] = p.split(':');
        expect(host).toBe('127.0.0.1');
        expect(Number(inside)).toBe(config.http.port);
      }
      expect(s.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${config.http.port}/readyz`);
      expect(s.depends_on?.redis?.condition).toBe('service_healthy');
    },
  );

  it('publish different host ports', () => {
    const hostPorts = posguardServices.flatMap(([, s]) => (s.ports ?? []).map((p) => p.split(':')[1]));
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });

  it('name only environment variables that posguard reads', () => {
    const named = new Set(Object.values(services).flatMap((s) => Object.keys(s.environment ?? {})));
    const sources = ['src/cli/start.ts', 'src/cli/api-client.ts', 'src/config/config-path.ts']
      .map((f) => readFileSync(join(ROOT, f), 'utf8'))
      .join('\n');
    for (const name of named) expect(sources, `posguard reads ${name}`).toContain(name);
  });
});

describe('the simulator of docker-compose.yml', () => {
  it('parses with the real CLI and listens beyond loopback inside its container', async () => {
    const inv = await parseCli(services.sim?.command ?? []);
    expect(inv.command).toBe('sim');
    expect(inv.options).toMatchObject({ host: '0.0.0.0', port: '9001' });
  });
});

describe('the Dockerfile', () => {
  const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

  it('builds in one stage and runs a pruned image in another, as a non-root user under an init process', () => {
    const from = lines.filter((l) => l.startsWith('FROM '));
    expect(from.length).toBe(2);
    expect(from[0]).toMatch(/ AS build$/);
    expect(lines.some((l) => /^RUN .*npm ci\b/.test(l))).toBe(true);
    expect(lines.some((l) => /npm prune --omit=dev/.test(l))).toBe(true);
    const user = lines.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/root|\b0\b/);
    const entry = JSON.parse(
      lines.find((l) => l.startsWith('ENTRYPOINT '))?.slice('ENTRYPOINT '.length) ?? '[]',
    ) as string[];
    expect(entry[0]).toBe('/usr/bin/tini');
    expect(lines.some((l) => /apt-get install .*\btini\b/.test(l))).toBe(true);
    expect(entry.at(-1)).toBe('/app/bin/posguard.js');
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const copies = lines.filter((l) => l.startsWith('COPY ') && !l.includes('--from='));
    expect(copies.length).toBeGreaterThan(0);
    for (const line of copies) {
      const words = line
        .split(/\s+/)
        .slice(1)
        .filter((w) => !w.startsWith('--'));
      for (const source of words.slice(0, -1)) {
        expect(existsSync(join(ROOT, source)), `${source} exists`).toBe(true);
        expect(
          ignored.some((i) => source === i || source.startsWith(`${i}/`)),
          `${source} is not ignored`,
        ).toBe(false);
      }
    }
  });

  it('copies from the build stage only what that stage makes', () => {
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { outDir: string };
    };
    const made = new Set([
      '/app/package.json',
      '/app/node_modules',
      `/app/${build.compilerOptions.outDir}`,
      '/app/bin',
    ]);
    for (const line of lines.filter((l) => l.startsWith('COPY --from=build'))) {
      const source = line.split(/\s+/).filter((w) => !w.startsWith('--'))[1];
      expect(made.has(source ?? ''), `${source} is made by the build stage`).toBe(true);
    }
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepare).toMatch(/build/);
  });

  it('exposes the ports the compose file uses', async () => {
    const exposed = lines.filter((l) => l.startsWith('EXPOSE ')).flatMap((l) => l.split(/\s+/).slice(1));
    const config = await loadConfigFile(join(ROOT, 'deploy', 'posguard.json'));
    expect(exposed).toContain(String(config.http.port));
    expect(exposed).toContain(String((await parseCli(services.sim?.command ?? [])).options.port));
  });
});

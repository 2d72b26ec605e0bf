/**
 * The dashboard's browser code and styles (`web/`), bundled with esbuild into one script and
 * one stylesheet that posguard serves itself: nothing is fetched from anywhere else at run
 * time. In a checkout (where `web/` and esbuild are) the bundle is made from the source on
 * first use, so it is never stale; an installed package or a container image serves the
 * bundle its build wrote to `dist/web/` (`npm run build`, run by `prepare`).
 *
 * Touches: the file system (reads `web/` or `dist/web/`; `writeDashboard` writes `dist/web/`).
 *
 * @example
 * const { js, css } = await dashboardAssets();
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DashboardAssets {
  readonly js: string;
  readonly css: string;
}

/** The package's root: `src/service/dashboard` and `dist/service/dashboard` are both three levels down. */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Bundles `web/main.ts` (and reads `web/app.css`) under `root`. */
export async function buildDashboard(root = PACKAGE_ROOT): Promise<DashboardAssets> {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: [join(root, 'web', 'main.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    tsconfig: join(root, 'web', 'tsconfig.json'),
  });
  const js = out.outputFiles[0]?.text;
  if (js === undefined) throw new Error('esbuild produced no dashboard bundle');
  return { js, css: await readFile(join(root, 'web', 'app.css'), 'utf8') };
}

/** Writes the bundle to `dist/web/` (the build's last step). */
export async function writeDashboard(root = PACKAGE_ROOT): Promise<void> {
  const assets = await buildDashboard(root);
  await mkdir(join(root, 'dist', 'web'), { recursive: true });
  await writeFile(join(root, 'dist', 'web', 'app.js'), assets.js);
  await writeFile(join(root, 'dist', 'web', 'app.css'), assets.css);
}

const cache = new Map<string, Promise<DashboardAssets>>();

/** The assets to serve: bundled from `web/` in a checkout, else the build's `dist/web/`. */
export function dashboardAssets(root = PACKAGE_ROOT): Promise<DashboardAssets> {
  const known = cache.get(root);
  if (known !== undefined) return known;
  const made = (async () => {
    if (existsSync(join(root, 'web', 'main.ts'))) {
      try {
        return await buildDashboard(root);
      } catch (e) {
        // No esbuild (a production install of a checkout): the build's bundle, if there is one.
        if (!existsSync(join(root, 'dist', 'web', 'app.js'))) throw e;
      }
    }
    const [js, css] = await Promise.all([
      readFile(join(root, 'dist', 'web', 'app.js'), 'utf8'),
      readFile(join(root, 'dist', 'web', 'app.css'), 'utf8'),
    ]);
    return { js, css };
  })();
  cache.set(root, made);
  made.catch(() => cache.delete(root));
  return made;
}

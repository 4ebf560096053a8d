// Builds the web softphone into dist/: src/main.ts bundled by esbuild (sip.js included, no CDN)
// to dist/app.js with a source map, plus index.html and the stylesheet copied as they are.
//   node apps/web/build.mjs [--watch]
import { build, context } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, 'dist');
mkdirSync(out, { recursive: true });
for (const f of ['index.html', 'style.css']) copyFileSync(path.join(here, 'src', f), path.join(out, f));

const options = {
  entryPoints: [path.join(here, 'src', 'main.ts')],
  outfile: path.join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  sourcemap: true,
  minify: false,
  logLevel: 'warning',
};

if (process.argv.includes('--watch')) {
  const ctx = await context(options);
  await ctx.watch();
} else {
  await build(options);
}

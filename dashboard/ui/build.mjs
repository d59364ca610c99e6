// esbuild: src/main.tsx -> app.js (minified, one file, ES2020), src/app.css -> app.css, and
// src/index.html copied. Packages resolve from the install directory build.sh prepared.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const here = import.meta.dirname;
const out = process.argv[2];
const installDir = process.env.DRAGOPS_DASHBOARD_UI_DIR;
const require = createRequire(join(installDir, 'package.json'));
const esbuild = require('esbuild');
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: [join(here, 'src/main.tsx')],
  outfile: join(out, 'app.js'),
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  nodePaths: [join(installDir, 'node_modules')],
  legalComments: 'none',
  logLevel: 'warning',
});
await esbuild.build({
  entryPoints: [join(here, 'src/app.css')],
  outfile: join(out, 'app.css'),
  bundle: true,
  minify: true,
  logLevel: 'warning',
});
copyFileSync(join(here, 'src/index.html'), join(out, 'index.html'));

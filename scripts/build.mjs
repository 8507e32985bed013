#!/usr/bin/env node
// Builds the single-file bundle dist/pbx.mjs that ships in the firmware and that the
// integration tests run. Target node18: the boards run Debian 12's nodejs (18.19).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/pbx.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node18',
  sourcemap: 'linked',
  legalComments: 'none',
  define: { PBX_VERSION: JSON.stringify(pkg.version) },
  // Bundled CommonJS dependencies (pino) call require() for node builtins.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __pbxCreateRequire } from 'node:module';\nconst require = __pbxCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

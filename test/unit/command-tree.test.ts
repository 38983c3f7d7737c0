import { describe, expect, it } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

// `--help` loads src/cli.ts and the command tree (src/commands/index.ts and each noun's index.ts)
// with whatever they import as values; command modules load when their command runs. A value
// import of anything else here puts it (and all it imports) in front of every `--help`.
const src = path.resolve(import.meta.dirname, '../../src');
const allowed: Record<string, string[]> = {
  'cli.ts': ['commander', './base/errors.js', './base/mask.js', './base/visible.js', './commands/index.js', './commands/help.js'],
  'commands/help.ts': [],
  'base/mask.ts': [],
  'base/visible.ts': [],
  'commands/index.ts': ['./runner.js', '../base/constants.js', './auth/index.js', './session/index.js', './module/index.js', './video/index.js', './local/index.js', './project/index.js'],
  'commands/runner.ts': ['../base/errors.js', '../base/constants.js'],
  'base/errors.ts': [],
  'base/constants.ts': [],
};
const nounAllowed = ['../runner.js', '../../base/errors.js', '../../base/constants.js'];

/** Module specifiers of the static imports and re-exports that bring values (not `import type`). */
function valueImports(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?([^'";]*?)\s*from\s+'([^']+)';?$/gm)) {
    if (m[2]) continue;
    found.push(m[4]!);
  }
  for (const m of text.matchAll(/^import\s+'([^']+)';?$/gm)) found.push(m[1]!);
  return found;
}

describe('the command tree', () => {
  it('imports values only from commander, the runner, errors and constants', async () => {
    const files = { ...allowed };
    for (const entry of await readdir(path.join(src, 'commands'), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      // A noun's folder has an index.ts that defines its verbs; a top-level verb's folder (gc/, export/) only its command file.
      const children = await readdir(path.join(src, 'commands', entry.name));
      if (children.includes('index.ts')) files[`commands/${entry.name}/index.ts`] = nounAllowed;
      else expect(children).toEqual([`${entry.name}.ts`]);
    }
    for (const [file, ok] of Object.entries(files)) {
      const imports = valueImports(await readFile(path.join(src, file), 'utf8'));
      expect({ file, imports: imports.filter((i) => !ok.includes(i)) }).toEqual({ file, imports: [] });
    }
  });
});

// mediabunny loads only when a file's container is read: not for `--help`, not for commands
// that never read media. Checked on the built CLI (global setup builds dist/): the chunks
// dist/cli.js reaches through static imports never include the library.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const dist = path.resolve(import.meta.dirname, '../../dist');

async function staticClosure(entry: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = await readFile(file, 'utf8');
    // `import … from "./x.js"` and `import "./x.js"`; dynamic `import("./x.js")` is what stays lazy.
    for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s*"(\.[^"]+)";?$|^import\s*"(\.[^"]+)";?$/gm)) {
      queue.push(path.resolve(path.dirname(file), m[1] ?? m[2]!));
    }
  }
  return seen;
}

describe('the media library', () => {
  it('is bundled in a chunk of its own that the CLI loads only on demand', async () => {
    const chunks = (await readdir(path.join(dist, 'chunks'))).filter((f) => f.endsWith('.js')).map((f) => path.join(dist, 'chunks', f));
    const withLibrary: string[] = [];
    for (const chunk of chunks) if ((await readFile(chunk, 'utf8')).includes('var CustomSource = class extends Source')) withLibrary.push(chunk);
    expect(withLibrary).toHaveLength(1);
    const eager = await staticClosure(path.join(dist, 'cli.js'));
    expect(eager.size).toBeGreaterThan(1);
    expect([...eager].filter((f) => withLibrary.includes(f))).toEqual([]);
  });
});

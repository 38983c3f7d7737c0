// The upload core is a library: it draws nothing and owns no process-wide state. Progress goes
// out through events, stopping comes in through an AbortSignal; the command installs the signal
// handlers and renders progress (src/commands/video/upload.ts).
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = resolve(import.meta.dirname, '../../src/core/upload');

describe('src/core/upload', () => {
  it('imports nothing from src/ui, installs no signal handler and never exits the process', async () => {
    const files = (await readdir(dir)).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = await readFile(join(dir, file), 'utf8');
      expect(text, file).not.toMatch(/from ['"][./]*\/ui\//);
      expect(text, file).not.toMatch(/import\(['"][./]*\/ui\//);
      expect(text, file).not.toMatch(/process\.(on|once|exit)\(/);
    }
  });

  it('the upload command handles SIGINT and SIGTERM and draws progress', async () => {
    const text = await readFile(resolve(import.meta.dirname, '../../src/commands/video/upload.ts'), 'utf8');
    expect(text).toMatch(/process\.on\('SIGINT'/);
    expect(text).toMatch(/process\.on\('SIGTERM'/);
    expect(text).toMatch(/ui\/progress\.js/);
  });
});

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/session.js', import.meta.url));

describe('a reader that goes away', () => {
  it('ends the command quietly when stdout closes early (`session completion bash | head -0`)', async () => {
    const child = spawn(process.execPath, [bin, 'completion', 'bash'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Close our end before the command writes, as `head` does once it has its lines.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|at .*\.js/);
    expect(code).toBe(0);
  });
});

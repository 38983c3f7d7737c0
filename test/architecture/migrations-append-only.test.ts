// Migrations are append-only: the files that have landed keep their exact bytes (projects have
// applied them), and a new file sorts after the last landed one, or `supabase db push` and the
// local backend would apply it out of order.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const DIR = join(ROOT, 'supabase/migrations');

interface Lock {
  landed: { file: string; sha256: string }[];
}

const lock = JSON.parse(readFileSync(join(ROOT, 'supabase/migrations.lock.json'), 'utf8')) as Lock;

/** What is wrong with a migrations folder against the lock, one line per problem. */
export function appendOnlyProblems(files: Map<string, string>, landed: Lock['landed']): string[] {
  const problems: string[] = [];
  for (const { file, sha256 } of landed) {
    const text = files.get(file);
    if (text === undefined) problems.push(`${file} has landed and was removed`);
    else if (createHash('sha256').update(text).digest('hex') !== sha256) problems.push(`${file} has landed and was changed: add a new migration instead`);
  }
  const last = landed.map((l) => l.file).sort().at(-1) ?? '';
  const known = new Set(landed.map((l) => l.file));
  for (const file of [...files.keys()].sort()) {
    if (!known.has(file) && file < last) problems.push(`${file} sorts before ${last}, the last landed migration: give it a later timestamp`);
  }
  return problems;
}

function migrationFiles(): Map<string, string> {
  return new Map(
    readdirSync(DIR)
      .filter((f) => f.endsWith('.sql'))
      .map((f) => [f, readFileSync(join(DIR, f), 'utf8')]),
  );
}

describe('migrations are append-only', () => {
  it('records the landed migrations', () => {
    expect(lock.landed.length).toBeGreaterThanOrEqual(11);
    expect(lock.landed.map((l) => l.file)).toEqual([...lock.landed.map((l) => l.file)].sort());
  });

  it('keeps every landed file unchanged and adds new ones after them', () => {
    expect(appendOnlyProblems(migrationFiles(), lock.landed)).toEqual([]);
  });

  it('names a changed, a removed and an out-of-order file', () => {
    const files = migrationFiles();
    const [first, second] = lock.landed;
    files.set(first!.file, `${files.get(first!.file)}\n-- edited\n`);
    files.delete(second!.file);
    files.set('20260101000150_late.sql', 'select 1;');
    files.set('29990101000000_later.sql', 'select 1;');
    expect(appendOnlyProblems(files, lock.landed)).toEqual([
      `${first!.file} has landed and was changed: add a new migration instead`,
      `${second!.file} has landed and was removed`,
      `20260101000150_late.sql sorts before ${lock.landed.at(-1)!.file}, the last landed migration: give it a later timestamp`,
    ]);
  });
});

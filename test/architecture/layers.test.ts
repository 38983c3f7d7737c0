// The layering of docs/architecture.md, read from the code's own imports (static, dynamic and
// type-only alike): cli → commands → core → (config, ui) → base, and the local backend apart.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

type Layer = 'base' | 'cli' | 'commands' | 'core' | 'config' | 'ui' | 'local';


/** What each layer may import, besides itself. */
const MAY_IMPORT: Record<Layer, Layer[]> = {
  cli: ['commands', 'core', 'config', 'ui', 'base'],
  commands: ['core', 'config', 'ui', 'base', 'local'],
  core: ['config', 'base'],
  config: ['base'],
  ui: ['base'],
  base: [],
  local: ['base'],
};

/**
 * Imports that break the rules today. Each says why;
 * the test fails once an exception no longer occurs, so the list only shrinks.
 */
const KNOWN_EXCEPTIONS: { from: string; to: string; why: string }[] = [];

function layerOf(file: string): Layer {
  if (file === 'src/cli.ts') return 'cli';
  const top = file.split('/')[1];
  if (top === 'base' || top === 'commands' || top === 'core' || top === 'config' || top === 'ui' || top === 'local') return top;
  throw new Error(`${file} belongs to no layer: place it in one of src/{base,commands,core,config,ui,local}/`);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import of a file, resolved to the .ts file it names. */
function importsOf(file: string, known: Set<string>): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => {
      const target = relative(ROOT, resolve(ROOT, dirname(file), name)).replace(/\.js$/, '.ts');
      if (!known.has(target)) throw new Error(`${file} imports ${name}, which resolves to no source file`);
      return target;
    });
}

function buildGraph(): Map<string, string[]> {
  const files = sourceFiles('src');
  const known = new Set(files);
  return new Map(files.map((f) => [f, [...new Set(importsOf(f, known))]]));
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

function violations(graph: Map<string, string[]>): { from: string; to: string }[] {
  const out: { from: string; to: string }[] = [];
  for (const [from, targets] of graph) {
    const layer = layerOf(from);
    for (const to of targets) {
      const target = layerOf(to);
      if (target !== layer && !MAY_IMPORT[layer].includes(target)) out.push({ from, to });
    }
  }
  return out;
}

/** Files outside the command layer that still handle signals or exit, each with its issue. */
const KNOWN_PROCESS_CONTROL: Record<string, string> = {
};

/** Files that install signal handlers or call process.exit (comments left out). */
function processControl(files: string[]): string[] {
  return files.filter((file) => {
    const code = readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line))
      .join('\n');
    return /process\.exit\(|process\.(on|once|addListener)\(\s*['"](SIG\w+|exit|beforeExit)['"]/.test(code);
  });
}

describe('layers', () => {
  const graph = buildGraph();

  it('reads the whole source tree', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('src/cli.ts')).toContain('src/commands/index.ts');
  });

  it('has no import cycles', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('imports only downwards, apart from the listed exceptions', () => {
    const key = (v: { from: string; to: string }) => `${v.from} -> ${v.to}`;
    const allowed = new Set(KNOWN_EXCEPTIONS.map(key));
    expect(violations(graph).map(key).filter((k) => !allowed.has(k))).toEqual([]);
  });

  it('lists only exceptions that still occur', () => {
    const present = new Set(violations(graph).map((v) => `${v.from} -> ${v.to}`));
    expect(KNOWN_EXCEPTIONS.filter((e) => !present.has(`${e.from} -> ${e.to}`))).toEqual([]);
  });

  it('handles signals and exits only in the command layer', () => {
    const outside = processControl([...graph.keys()].filter((f) => f !== 'src/cli.ts' && !f.startsWith('src/commands/')));
    expect(outside.filter((f) => !(f in KNOWN_PROCESS_CONTROL))).toEqual([]);
    expect(Object.keys(KNOWN_PROCESS_CONTROL).filter((f) => !outside.includes(f))).toEqual([]);
  });

  it('finds a cycle and an upward import when there is one', () => {
    const sample = new Map([
      ['src/config/a.ts', ['src/core/b.ts']],
      ['src/core/b.ts', ['src/config/a.ts']],
    ]);
    expect(cycles(sample)).toEqual([['src/config/a.ts', 'src/core/b.ts']]);
    expect(violations(sample)).toEqual([{ from: 'src/config/a.ts', to: 'src/core/b.ts' }]);
  });
});

import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { buildProgram } from '../../src/cli.js';
import { completionScript, completionSpec, type CompletionNode } from '../../src/commands/completion.js';

const spec = completionSpec(buildProgram('test'));
const node = (path: string): CompletionNode => spec.nodes.find((n) => n.path === path)!;

describe('completionSpec', () => {
  it('comes from the command tree: verbs, the module noun, no hidden commands', () => {
    expect(node('').subcommands).toEqual(expect.arrayContaining(['create', 'ls', 'show', 'rename', 'rm', 'module', 'completion']));
    expect(node('').subcommands).not.toContain('__complete');
    expect(node('module').subcommands).toEqual(['add', 'ls', 'move', 'rename', 'rm']);
  });

  it('lists each command its own flags plus the global ones, --version only at the root', () => {
    expect(node('module move').flags).toEqual(expect.arrayContaining(['--to', '--before', '--after', '--first', '--last', '--json', '--no-input', '--profile']));
    expect(node('ls').flags).toEqual(expect.arrayContaining(['--limit', '--after', '--all-pages', '--everyone', '--owner']));
    expect(node('ls').flags).not.toContain('--version');
    expect(node('').flags).toContain('--version');
  });

  it('knows which flags take a value and which arguments are sessions', () => {
    expect(spec.valueFlags).toEqual(expect.arrayContaining(['--profile', '--limit', '--at', '--to', '--before', '--key']));
    expect(spec.valueFlags).not.toContain('--yes');
    expect(node('show').firstArg).toBe('sessions');
    expect(node('module add').firstArg).toBe('sessions');
    expect(node('module rename').firstArg).toBeNull();
    expect(node('completion').firstArg).toEqual(['bash', 'zsh', 'fish']);
  });
});

describe('scripts', () => {
  it('name both binaries', () => {
    expect(completionScript('bash', spec)).toContain('complete -F _session session sessions');
    expect(completionScript('zsh', spec)).toMatch(/^#compdef session sessions/);
    expect(completionScript('fish', spec)).toContain('complete -c sessions');
  });

  it('bash completes verbs, nouns, flags and shells, skipping flag values', async () => {
    const script = completionScript('bash', spec);
    const probe = `${script}
t() { COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _session; echo "\${COMPREPLY[*]}"; }
t session mo
t session module m
t session --profile staging module r
t sessions module move intro Setup --f
t session completion f
t session ls --limit 5 --a`;
    const { stdout } = await execa('bash', ['-c', probe]);
    expect(stdout.split('\n')).toEqual(['module', 'move', 'rename rm', '--first', 'fish', '--after --all-pages']);
  });

  it('bash asks the CLI for session ids, and shows nothing when that fails', async () => {
    const script = completionScript('bash', spec);
    const probe = `${script}
fake() { if [ "$1" = __complete ]; then printf '3f2a9c10-0000-4000-8000-000000000001\\tIntro to SQL\\n9c1e0b7a-0000-4000-8000-000000000002\\tJoins\\n'; fi; }
failing() { return 1; }
COMP_WORDS=(fake show 3f); COMP_CWORD=2; COMPREPLY=(); _session; echo "\${COMPREPLY[*]}"
COMP_WORDS=(failing show ""); COMP_CWORD=2; COMPREPLY=(); _session; echo "[\${COMPREPLY[*]}]"`;
    const { stdout } = await execa('bash', ['-c', probe]);
    expect(stdout.split('\n')).toEqual(['3f2a9c10-0000-4000-8000-000000000001', '[]']);
  });

  it('bash script is valid syntax', async () => {
    await execa('bash', ['-n'], { input: completionScript('bash', spec) });
  });
});

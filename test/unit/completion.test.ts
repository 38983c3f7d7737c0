import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipWithout } from '../support/programs.js';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('knows which flags take a value, which take a path, and what each argument is', () => {
    expect(spec.valueFlags).toEqual(expect.arrayContaining(['--profile', '--limit', '--at', '--to', '--before', '--key']));
    expect(spec.valueFlags).not.toContain('--yes');
    expect(spec.pathFlags).toEqual(expect.arrayContaining(['--output', '-o', '--with-files', '--data-dir', '-d']));
    expect(spec.pathFlags).not.toContain('--profile');
    expect(node('show').args).toEqual(['sessions']);
    expect(node('module add').args).toEqual(['sessions', null]);
    expect(node('module move').args).toEqual(['sessions', 'modules']);
    expect(node('module rename').args).toEqual(['modules', null]);
    expect(node('video rm').args).toEqual(['videos']);
    expect(node('video upload')).toMatchObject({ args: ['modules', 'files'], variadic: true });
    expect(node('import').args).toEqual(['files']);
    expect(node('completion').args).toEqual([{ words: ['bash', 'zsh', 'fish'] }]);
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

  it('bash offers file names where a command takes files, and for -o and --with-files', async () => {
    const script = completionScript('bash', spec);
    const probe = `${script}
compopt() { echo "compopt $*"; }
t() { COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _session; }
t session video upload 9c1e we
t session video upload 9c1e a.mp4 b
t session import ex
t session export intro -o ""
t session export intro --with-files ""
t session local start --data-dir ""`;
    const { stdout } = await execa('bash', ['-c', probe]);
    expect(stdout.split('\n')).toEqual(Array(6).fill('compopt -o default'));
  });

  it('bash offers sessions by id, key and name (quoted for the shell), and modules of the session typed before', async () => {
    const script = completionScript('bash', spec);
    const probe = `${script}
fake() {
  if [ "$1" = __complete ] && [ "$2" = sessions ]; then printf '3f2a9c10-0000-4000-8000-000000000001\\tIntro to SQL\\nintro-sql\\tIntro to SQL\\nIntro to SQL\\t3f2a9c10\\n'; fi
  if [ "$1" = __complete ] && [ "$2" = modules ]; then printf 'mod-of-%s\\tSetup\\n' "\${3:-everyone}"; fi
  if [ "$1" = __complete ] && [ "$2" = videos ]; then printf '7d3a0000-0000-4000-8000-000000000009\\tclip.mp4\\n'; fi
}
t() { COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _session; echo "\${COMPREPLY[*]}"; }
t fake show intro
t fake show Intro
t fake module move intro-sql ""
t fake module rename ""
t fake video rm 7d`;
    const { stdout } = await execa('bash', ['-c', probe]);
    expect(stdout.split('\n')).toEqual(['intro-sql', 'Intro\\ to\\ SQL', 'mod-of-intro-sql', 'mod-of-everyone', '7d3a0000-0000-4000-8000-000000000009']);
  });

  it('bash never expands what a name contains', async () => {
    const script = completionScript('bash', spec);
    const probe = `${script}
fake() { printf '%s\\tx\\n' '$(touch /tmp/session-completion-pwned)'; }
COMP_WORDS=(fake show ""); COMP_CWORD=2; COMPREPLY=(); _session; printf '%s\\n' "\${COMPREPLY[@]}"
test -e /tmp/session-completion-pwned && echo pwned || echo safe`;
    const { stdout } = await execa('bash', ['-c', probe]);
    expect(stdout.split('\n')).toEqual(['\\$\\(touch\\ /tmp/session-completion-pwned\\)', 'safe']);
  });

  it('bash script is valid syntax', async () => {
    await execa('bash', ['-n'], { input: completionScript('bash', spec) });
  });

  // zsh and fish: skipped (with a line from the global setup) when missing, a failure under CI.
  describe('zsh and fish', () => {
    let dir = '';
    const fakeCli = `printf '3f2a9c10-0000-4000-8000-000000000001\\tIntro to SQL\\n9c1e0b7a-0000-4000-8000-000000000002\\tJoins\\n'`;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'session-completion-'));
      await mkdir(join(dir, 'zfunc'));
      await writeFile(join(dir, 'zfunc', '_session'), completionScript('zsh', spec));
      await writeFile(join(dir, 'session.zsh'), completionScript('zsh', spec));
      await writeFile(join(dir, 'session.fish'), completionScript('fish', spec));
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    // compadd and _describe only work inside a completion widget, so they are replaced by
    // functions that filter by PREFIX as the real ones do and print what would be offered.
    const zshProbe = (load: string): string => `${load}
compadd() { [[ $1 == -- ]] && shift; print -r -- "\${(M)@:#\${PREFIX}*}"; }
_describe() { local -a d; d=("\${(@P)2}"); print -r -- "\${(@M)d:#\${PREFIX}*}"; }
t() { local -a words; words=("$@"); local CURRENT=$#words PREFIX=\${words[-1]}; _session; }
fake() { if [ "$1" = __complete ]; then ${fakeCli}; fi; }
failing() { return 1; }
print -r -- "registered: $_comps[session] $_comps[sessions]"
t session mo
t session module m
t session --profile staging module r
t sessions module move intro Setup --f
t session completion f
t session ls --limit 5 --a
t fake show 3f
print -r -- "[$(t failing show '')]"`;
    const zshExpected = [
      'registered: _session _session',
      'module',
      'move',
      'rename rm',
      '--first',
      'fish',
      '--after --all-pages',
      '3f2a9c10-0000-4000-8000-000000000001:Intro to SQL',
      '[]',
    ];

    it.skipIf(skipWithout('zsh'))('zsh script is valid syntax', async () => {
      await execa('zsh', ['-n'], { input: completionScript('zsh', spec) });
    });

    it.skipIf(skipWithout('zsh'))('zsh, sourced after compinit, registers _session for both binaries and completes', async () => {
      const load = `autoload -U compinit; compinit -u -D\nsource ${quoteSh(join(dir, 'session.zsh'))}`;
      const { stdout } = await execa('zsh', ['-f', '-c', zshProbe(load)]);
      expect(stdout.split('\n')).toEqual(zshExpected);
    });

    it.skipIf(skipWithout('zsh'))('zsh, autoloaded from fpath as _session, registers both binaries and completes', async () => {
      const load = `fpath=(${quoteSh(join(dir, 'zfunc'))} $fpath)\nautoload -U compinit; compinit -u -D`;
      const { stdout } = await execa('zsh', ['-f', '-c', zshProbe(load)]);
      expect(stdout.split('\n')).toEqual(zshExpected);
    });

    it.skipIf(skipWithout('zsh'))('zsh offers files (_files) where a command takes them, and modules of the session typed before', async () => {
      const load = `autoload -U compinit; compinit -u -D\nsource ${quoteSh(join(dir, 'session.zsh'))}`;
      const probe = `${load}
compadd() { [[ $1 == -- ]] && shift; print -r -- "\${(M)@:#\${PREFIX}*}"; }
_describe() { local -a d; d=("\${(@P)2}"); print -r -- "\${(@M)d:#\${PREFIX}*}"; }
_files() { print -r -- files; }
t() { local -a words; words=("$@"); local CURRENT=$#words PREFIX=\${words[-1]}; _session; }
fake() { if [ "$2" = modules ]; then printf 'mod-of-%s\\tSetup\\n' "\${3:-everyone}"; fi; }
t session import ex
t session video upload 9c1e we
t session export intro -o ''
t fake module move intro-sql ''
t fake module rm ''`;
      const { stdout } = await execa('zsh', ['-f', '-c', probe]);
      expect(stdout.split('\n')).toEqual(['files', 'files', 'files', 'mod-of-intro-sql:Setup', 'mod-of-everyone:Setup']);
    });

    it.skipIf(skipWithout('fish'))('fish offers paths where a command takes files, and modules of the session typed before', async () => {
      const work = join(dir, 'work');
      await mkdir(work, { recursive: true });
      await writeFile(join(work, 'example.yaml'), 'sessions: []\n');
      const probe = `source ${quoteSh(join(dir, 'session.fish'))}
function session; if test "$argv[1]" = __complete; and test "$argv[2]" = modules; printf 'mod-of-%s\\tSetup\\n' "$argv[3]"; end; end
for line in 'session import ex' 'session video upload 9c1e ex' 'session export intro -o ex' 'session module move intro-sql '
    echo (string join ' ' -- (complete -C $line))
end`;
      const env = { XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data'), XDG_CACHE_HOME: join(dir, 'cache') };
      const { stdout } = await execa('fish', ['--no-config', '-c', probe], { env, cwd: work });
      expect(stdout.split('\n')).toEqual(['example.yaml', 'example.yaml', 'example.yaml', 'mod-of-intro-sql\tSetup']);
    });

    it.skipIf(skipWithout('fish'))('fish script is valid syntax', async () => {
      await execa('fish', ['--no-config', '-n', join(dir, 'session.fish')]);
    });

    it.skipIf(skipWithout('fish'))('fish completes verbs, nouns, flags, shells and session ids, skipping flag values', async () => {
      const probe = `source ${quoteSh(join(dir, 'session.fish'))}
function session; if test "$argv[1]" = __complete; ${fakeCli}; end; end
function sessions; return 1; end
for line in 'session mod' 'session module ' 'sessions module m' 'session --profile staging module r' 'session module move intro Setup --f' 'session completion f' 'session ls --limit 5 --a' 'session show 3f' 'sessions show ' 'session completion zsh '
    echo (string join ' ' -- (complete -C $line))
end
echo (complete -C 'session ' | count)`;
      const env = { XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data'), XDG_CACHE_HOME: join(dir, 'cache') };
      const { stdout } = await execa('fish', ['--no-config', '-c', probe], { env });
      expect(stdout.split('\n')).toEqual([
        'module',
        'add ls move rename rm',
        'move',
        'rename rm',
        '--first',
        'fish',
        '--after --all-pages',
        '3f2a9c10-0000-4000-8000-000000000001\tIntro to SQL',
        '',
        '',
        String(node('').subcommands.length),
      ]);
    });
  });
});

function quoteSh(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

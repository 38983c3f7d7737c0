import type { Command, Option } from 'commander';
import type { Context } from '../core/context.js';
import { message, type View } from '../ui/printer.js';
import { usageError } from '../base/errors.js';
import { SHELLS } from '../base/constants.js';

export type Shell = (typeof SHELLS)[number];

/**
 * What a positional argument completes to: the caller's sessions (ids, keys, names), modules
 * (of the session typed before it, when the command takes one), videos, file names, or fixed words.
 */
export type ArgKind = 'sessions' | 'modules' | 'videos' | 'files' | { words: string[] } | null;

/** What a shell needs to know about one command path (`""`, `"module"`, `"module add"`). */
export interface CompletionNode {
  path: string;
  subcommands: string[];
  flags: string[];
  /** One entry per positional argument; the last repeats when `variadic`. */
  args: ArgKind[];
  variadic: boolean;
}

export interface CompletionSpec {
  nodes: CompletionNode[];
  /** Flags whose next word is their value, so it is not counted as an argument. */
  valueFlags: string[];
  /** Of those, the ones whose value is a path (`-o <file>`, `--with-files <dir>`): file names are offered. */
  pathFlags: string[];
}

export async function run(opts: { shell?: string | undefined; program: Command }, _ctx: Context): Promise<View> {
  const shell = (opts.shell ?? '').trim();
  if (!isShell(shell)) {
    throw usageError(shell ? `no completion for "${shell}"` : 'missing <shell>', `use one of: ${SHELLS.join(', ')}`, 'invalid_shell');
  }
  return message(completionScript(shell, completionSpec(opts.program)), null);
}

function isShell(text: string): text is Shell {
  return (SHELLS as readonly string[]).includes(text);
}

/** By the argument's name: what people type there. */
function argKind(name: string): ArgKind {
  if (name === 'session') return 'sessions';
  if (name === 'module') return 'modules';
  if (name === 'video') return 'videos';
  if (name === 'shell') return { words: [...SHELLS] };
  if (/file|folder|manifest|dir/.test(name)) return 'files';
  return null;
}

const takesPath = (opt: Option): boolean => /<(file|dir|folder|path)[^>]*>|\[(file|dir|folder|path)[^\]]*\]/.test(opt.flags);

/** Walks the commander tree: visible commands and flags only, global flags everywhere. */
export function completionSpec(program: Command): CompletionSpec {
  const help = program.createHelp();
  const rootFlags = help.visibleOptions(program).flatMap(optionNames);
  // Global flags work after any subcommand; --version only at the root.
  const globalFlags = rootFlags.filter((f) => f !== '--version' && f !== '-V' && f !== '--help' && f !== '-h');
  const valueFlags = new Set<string>();
  const pathFlags = new Set<string>();
  const nodes: CompletionNode[] = [];
  const visit = (cmd: Command, path: string[]): void => {
    for (const opt of cmd.options) {
      if (!opt.required && !opt.optional) continue;
      for (const n of optionNames(opt)) {
        valueFlags.add(n);
        if (takesPath(opt)) pathFlags.add(n);
      }
    }
    const subs = help.visibleCommands(cmd).filter((c) => c.name() !== 'help');
    const args = cmd.registeredArguments;
    nodes.push({
      path: path.join(' '),
      subcommands: subs.map((c) => c.name()),
      flags: cmd === program ? rootFlags : unique([...help.visibleOptions(cmd).flatMap(optionNames), ...globalFlags]),
      args: subs.length ? [] : args.map((a) => argKind(a.name())),
      variadic: Boolean(args[args.length - 1]?.variadic),
    });
    for (const sub of subs) visit(sub, [...path, sub.name()]);
  };
  visit(program, []);
  return { nodes, valueFlags: [...valueFlags].sort(), pathFlags: [...pathFlags].sort() };
}

function optionNames(opt: { long?: string | undefined; short?: string | undefined }): string[] {
  return [opt.long, opt.short].filter((n): n is string => Boolean(n));
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

export function completionScript(shell: Shell, spec: CompletionSpec): string {
  if (shell === 'bash') return bashScript(spec);
  if (shell === 'zsh') return zshScript(spec);
  return fishScript(spec);
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** One word per argument for the scripts: `sessions`, `modules`, `videos`, `files`, `-` (nothing), or `w:bash,zsh,fish`. */
function kindWord(kind: ArgKind): string {
  if (kind === null) return '-';
  if (typeof kind === 'string') return kind;
  return `w:${kind.words.join(',')}`;
}

function kindsOf(n: CompletionNode): string {
  return [...n.args.map(kindWord), ...(n.variadic ? ['+'] : [])].join(' ');
}

/** Where bash and zsh differ in the shared functions: the words typed, and array syntax (zsh counts from 1). */
const SHELL_SYNTAX = {
  bash: { word: '"${COMP_WORDS[i]}"', from: 1, to: '$COMP_CWORD', split: 'read -r -a kinds <<< "$REPLY_KINDS"', last: '"${kinds[@]: -1}"', nth: '"${kinds[@]:n:1}"' },
  zsh: { word: '"${words[i]}"', from: 2, to: '$CURRENT', split: 'kinds=(${=REPLY_KINDS})', last: '"${kinds[-1]}"', nth: '"${kinds[n+1]}"' },
} as const;

/**
 * bash and zsh share one parser: walk the words typed so far, follow known subcommands,
 * skip flags (and the values of flags that take one), keep the rest as arguments.
 */
function stateFunction(spec: CompletionSpec, shell: 'bash' | 'zsh'): string {
  const { word, from, to, split, last, nth } = SHELL_SYNTAX[shell];
  const cases = spec.nodes
    .filter((n) => n.subcommands.length)
    .map((n) => `    ${quote(n.path)}) subs=${quote(` ${n.subcommands.join(' ')} `)} ;;`)
    .join('\n');
  return `_session_state() {
  local cmdpath="" i w subs skip=0
  REPLY_ARGS=()
  for ((i=${from}; i<${to}; i++)); do
    w=${word}
    if ((skip)); then skip=0; continue; fi
    case "$w" in
      ${spec.valueFlags.join('|') || '--'}) skip=1; continue ;;
      -*) continue ;;
    esac
    subs=""
    case "$cmdpath" in
${cases}
    esac
    if ((\${#REPLY_ARGS[@]} == 0)) && [[ "$subs" == *" $w "* ]]; then cmdpath="\${cmdpath:+$cmdpath }$w"; else REPLY_ARGS+=("$w"); fi
  done
  REPLY_PATH="$cmdpath"; REPLY_NARGS=\${#REPLY_ARGS[@]}
}
_session_node() {
  REPLY_SUBS=""; REPLY_FLAGS=""; REPLY_KINDS=""
  case "$1" in
${spec.nodes.map((n) => `    ${quote(n.path)}) REPLY_SUBS=${quote(n.subcommands.join(' '))}; REPLY_FLAGS=${quote(n.flags.join(' '))}; REPLY_KINDS=${quote(kindsOf(n))} ;;`).join('\n')}
  esac
}
# The kind of argument number $1 (0-based) in REPLY_KINDS; the last one repeats after a "+".
_session_kind() {
  local -a kinds; local n=$1 count
  ${split}
  count=\${#kinds[@]}
  REPLY_KIND=""
  if ((count == 0)); then return; fi
  if [[ ${last} == "+" ]]; then
    count=$((count - 1))
    if ((n >= count)); then n=$((count - 1)); fi
  fi
  if ((n < count)); then REPLY_KIND=${nth}; fi
}`;
}

function bashScript(spec: CompletionSpec): string {
  return `# bash completion for session and sessions; generated by \`session completion bash\`.
${stateFunction(spec, 'bash')}
# Candidates the CLI prints ("value<TAB>description"), filtered by prefix here: never through
# compgen -W, which would expand $(…) inside a name someone chose.
_session_values() {
  local value rest
  while IFS=$'\\t' read -r value rest; do
    [[ -n "$value" && "$value" == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$value")")
  done < <("\${COMP_WORDS[0]}" __complete "$@" 2>/dev/null)
}
_session() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()
  if ((COMP_CWORD > 1)); then
    case "$prev" in
      ${spec.pathFlags.join('|') || '--'}) compopt -o default 2>/dev/null; return ;;
      ${spec.valueFlags.join('|') || '--'}) return ;;
    esac
  fi
  _session_state
  _session_node "$REPLY_PATH"
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$REPLY_FLAGS" -- "$cur"))
  elif [[ -n "$REPLY_SUBS" && $REPLY_NARGS -eq 0 ]]; then
    COMPREPLY=($(compgen -W "$REPLY_SUBS" -- "$cur"))
  else
    _session_kind "$REPLY_NARGS"
    case "$REPLY_KIND" in
      files) compopt -o default 2>/dev/null ;;
      sessions|videos) _session_values "$REPLY_KIND" ;;
      modules) if [[ "\${REPLY_KINDS%% *}" == sessions ]]; then _session_values modules "\${REPLY_ARGS[0]}"; else _session_values modules; fi ;;
      w:*) local words="\${REPLY_KIND#w:}"; COMPREPLY=($(compgen -W "\${words//,/ }" -- "$cur")) ;;
    esac
  fi
}
complete -F _session session sessions
`;
}

function zshScript(spec: CompletionSpec): string {
  return `#compdef session sessions
# zsh completion for session and sessions; generated by \`session completion zsh\`.
${stateFunction(spec, 'zsh')}
_session_values() {
  local -a items; local line value
  for line in "\${(@f)$(\${words[1]} __complete "$@" 2>/dev/null)}"; do
    [[ -z "$line" ]] && continue
    value="\${line%%$'\\t'*}"
    items+=("\${value//:/\\\\:}:\${line#*$'\\t'}")
  done
  _describe "$1" items
}
_session() {
  local -a items
  if ((CURRENT > 2)); then
    case "\${words[CURRENT-1]}" in
      ${spec.pathFlags.join('|') || '--'}) _files; return ;;
      ${spec.valueFlags.join('|') || '--'}) return ;;
    esac
  fi
  _session_state
  _session_node "$REPLY_PATH"
  if [[ "\${words[CURRENT]}" == -* ]]; then
    items=(\${=REPLY_FLAGS}); compadd -- $items
  elif [[ -n "$REPLY_SUBS" && $REPLY_NARGS -eq 0 ]]; then
    items=(\${=REPLY_SUBS}); compadd -- $items
  else
    _session_kind "$REPLY_NARGS"
    case "$REPLY_KIND" in
      files) _files ;;
      sessions|videos) _session_values "$REPLY_KIND" ;;
      modules) if [[ "\${REPLY_KINDS%% *}" == sessions ]]; then _session_values modules "\${REPLY_ARGS[1]}"; else _session_values modules; fi ;;
      w:*) items=(\${(s:,:)REPLY_KIND#w:}); compadd -- $items ;;
    esac
  fi
}
if [[ "\$funcstack[1]" == _session ]]; then _session "$@"; else compdef _session session sessions; fi
`;
}

function fishScript(spec: CompletionSpec): string {
  const lines: string[] = [
    '# fish completion for session and sessions; generated by `session completion fish`.',
    '# Prints "path:nargs" for the words typed so far (flag values skipped), then the arguments, one a line.',
    'function __session_state',
    '    set -l cmdpath',
    '    set -l args',
    '    set -l skip 0',
    '    for w in (commandline -opc)[2..-1]',
    '        if test $skip = 1; set skip 0; continue; end',
    `        if contains -- $w ${spec.valueFlags.join(' ')}; set skip 1; continue; end`,
    "        if string match -q -- '-*' $w; continue; end",
    '        set -l subs',
    '        switch (string join " " $cmdpath)',
  ];
  for (const n of spec.nodes.filter((x) => x.subcommands.length)) {
    lines.push(`            case ${quote(n.path)}`, `                set subs ${n.subcommands.join(' ')}`);
  }
  lines.push(
    '        end',
    '        if test (count $args) = 0; and contains -- $w $subs',
    '            set cmdpath $cmdpath $w',
    '        else',
    '            set args $args $w',
    '        end',
    '    end',
    // Quoted, so the root path (an empty list) still prints ":N" instead of nothing.
    '    echo "$cmdpath:"(count $args)',
    '    printf "%s\\n" $args',
    'end',
    '# True when the words typed so far are command PATH with N arguments (at least N with a third word).',
    'function __session_at',
    '    set -l state (__session_state)',
    '    set -l here (string split -r -m1 : -- $state[1])',
    '    test "$here[1]" = "$argv[1]"; or return 1',
    '    if set -q argv[3]; test $here[2] -ge $argv[2]; else; test $here[2] = $argv[2]; end',
    'end',
    '# True when the previous word is a flag whose value is a path.',
    'function __session_path_value',
    `    contains -- (commandline -opc)[-1] ${spec.pathFlags.join(' ') || '--'}`,
    'end',
    'function __session_first_arg',
    '    set -l state (__session_state)',
    '    echo $state[2]',
    'end',
  );
  for (const bin of ['session', 'sessions']) {
    lines.push(`complete -c ${bin} -f`);
    lines.push(`complete -c ${bin} -n __session_path_value -F`);
    for (const n of spec.nodes) {
      const at = `__session_at ${quote(n.path)} 0`;
      const within = `string match -q -- ${quote(`${n.path}:*`)} (__session_state)[1]`;
      if (n.subcommands.length) lines.push(`complete -c ${bin} -n ${quote(at)} -a ${quote(n.subcommands.join(' '))}`);
      for (const flag of n.flags) {
        const opt = flag.startsWith('--') ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`;
        lines.push(`complete -c ${bin} -n ${quote(within)} ${opt}${spec.valueFlags.includes(flag) ? ' -r' : ''}`);
      }
      n.args.forEach((kind, i) => {
        if (kind === null) return;
        const more = n.variadic && i === n.args.length - 1 ? ' more' : '';
        const cond = quote(`__session_at ${quote(n.path)} ${i}${more}`);
        if (kind === 'files') lines.push(`complete -c ${bin} -n ${cond} -F -a ${quote('(__fish_complete_path (commandline -ct))')}`);
        else if (kind === 'sessions' || kind === 'videos') lines.push(`complete -c ${bin} -n ${cond} -a ${quote(`(${bin} __complete ${kind} 2>/dev/null)`)}`);
        else if (kind === 'modules') {
          const within = n.args[0] === 'sessions' ? ' (__session_first_arg)' : '';
          lines.push(`complete -c ${bin} -n ${cond} -a ${quote(`(${bin} __complete modules${within} 2>/dev/null)`)}`);
        } else lines.push(`complete -c ${bin} -n ${cond} -a ${quote(kind.words.join(' '))}`);
      });
    }
  }
  return `${lines.join('\n')}\n`;
}

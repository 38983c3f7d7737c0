import type { Command } from 'commander';
import type { Context } from '../core/context.js';
import { message, none, type View } from '../ui/printer.js';
import { usageError } from '../core/errors.js';
import { listSessions } from '../core/content.js';
import { SHELLS } from '../core/constants.js';

export type Shell = (typeof SHELLS)[number];

/** What a shell needs to know about one command path (`""`, `"module"`, `"module add"`). */
export interface CompletionNode {
  path: string;
  subcommands: string[];
  flags: string[];
  /** Words offered for the first positional argument. */
  firstArg: 'sessions' | string[] | null;
}

export interface CompletionSpec {
  nodes: CompletionNode[];
  /** Flags whose next word is their value, so it is not counted as an argument. */
  valueFlags: string[];
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

export async function completeValues(what: string, ctx: Context): Promise<View> {
  if (what !== 'sessions') return none();
  try {
    const list = await listSessions(await ctx.api(), { limit: 200 });
    const lines = list.sessions.map((s) => `${s.id}\t${s.name.replace(/[\t\n\r]/g, ' ')}`);
    return lines.length ? message(lines.join('\n'), null) : none();
  } catch {
    return none();
  }
}

/** Walks the commander tree: visible commands and flags only, global flags everywhere. */
export function completionSpec(program: Command): CompletionSpec {
  const help = program.createHelp();
  const rootFlags = help.visibleOptions(program).flatMap(optionNames);
  // Global flags work after any subcommand; --version only at the root.
  const globalFlags = rootFlags.filter((f) => f !== '--version' && f !== '-V' && f !== '--help' && f !== '-h');
  const valueFlags = new Set<string>();
  const nodes: CompletionNode[] = [];
  const visit = (cmd: Command, path: string[]): void => {
    for (const opt of cmd.options) if (opt.required || opt.optional) for (const n of optionNames(opt)) valueFlags.add(n);
    const subs = help.visibleCommands(cmd).filter((c) => c.name() !== 'help');
    const first = cmd.registeredArguments[0]?.name();
    nodes.push({
      path: path.join(' '),
      subcommands: subs.map((c) => c.name()),
      flags: cmd === program ? rootFlags : unique([...help.visibleOptions(cmd).flatMap(optionNames), ...globalFlags]),
      firstArg: first === 'session' ? 'sessions' : first === 'shell' ? [...SHELLS] : null,
    });
    for (const sub of subs) visit(sub, [...path, sub.name()]);
  };
  visit(program, []);
  return { nodes, valueFlags: [...valueFlags].sort() };
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

/**
 * bash and zsh share one parser: walk the words typed so far, follow known subcommands,
 * skip flags (and the values of flags that take one), count the rest as arguments.
 */
function stateFunction(spec: CompletionSpec, fn: string, words: string, from: number, to: string): string {
  const cases = spec.nodes
    .filter((n) => n.subcommands.length)
    .map((n) => `    ${quote(n.path)}) subs=${quote(` ${n.subcommands.join(' ')} `)} ;;`)
    .join('\n');
  return `${fn}_state() {
  local cmdpath="" nargs=0 i w subs skip=0
  for ((i=${from}; i<${to}; i++)); do
    w=${words}
    if ((skip)); then skip=0; continue; fi
    case "$w" in
      ${spec.valueFlags.map((f) => f).join('|') || '--'}) skip=1; continue ;;
      -*) continue ;;
    esac
    subs=""
    case "$cmdpath" in
${cases}
    esac
    if ((nargs == 0)) && [[ "$subs" == *" $w "* ]]; then cmdpath="\${cmdpath:+$cmdpath }$w"; else nargs=$((nargs + 1)); fi
  done
  REPLY_PATH="$cmdpath"; REPLY_NARGS=$nargs
}
${fn}_node() {
  REPLY_SUBS=""; REPLY_FLAGS=""; REPLY_ARG=""
  case "$1" in
${spec.nodes
  .map(
    (n) =>
      `    ${quote(n.path)}) REPLY_SUBS=${quote(n.subcommands.join(' '))}; REPLY_FLAGS=${quote(n.flags.join(' '))}; REPLY_ARG=${quote(n.firstArg === null ? '' : n.firstArg === 'sessions' ? '@sessions' : n.firstArg.join(' '))} ;;`,
  )
  .join('\n')}
  esac
}`;
}

function bashScript(spec: CompletionSpec): string {
  return `# bash completion for session and sessions; generated by \`session completion bash\`.
${stateFunction(spec, '_session', '"${COMP_WORDS[i]}"', 1, '$COMP_CWORD')}
_session() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  _session_state
  _session_node "$REPLY_PATH"
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$REPLY_FLAGS" -- "$cur"))
  elif [[ -n "$REPLY_SUBS" && $REPLY_NARGS -eq 0 ]]; then
    COMPREPLY=($(compgen -W "$REPLY_SUBS" -- "$cur"))
  elif [[ $REPLY_NARGS -eq 0 && "$REPLY_ARG" == "@sessions" ]]; then
    COMPREPLY=($(compgen -W "$("\${COMP_WORDS[0]}" __complete sessions 2>/dev/null | cut -f1)" -- "$cur"))
  elif [[ $REPLY_NARGS -eq 0 && -n "$REPLY_ARG" ]]; then
    COMPREPLY=($(compgen -W "$REPLY_ARG" -- "$cur"))
  fi
}
complete -F _session session sessions
`;
}

function zshScript(spec: CompletionSpec): string {
  return `#compdef session sessions
# zsh completion for session and sessions; generated by \`session completion zsh\`.
${stateFunction(spec, '_session', '"${words[i]}"', 2, '$CURRENT')}
_session() {
  local -a items
  _session_state
  _session_node "$REPLY_PATH"
  if [[ "\${words[CURRENT]}" == -* ]]; then
    items=(\${=REPLY_FLAGS}); compadd -- $items
  elif [[ -n "$REPLY_SUBS" && $REPLY_NARGS -eq 0 ]]; then
    items=(\${=REPLY_SUBS}); compadd -- $items
  elif [[ $REPLY_NARGS -eq 0 && "$REPLY_ARG" == "@sessions" ]]; then
    local line
    for line in "\${(@f)$(\${words[1]} __complete sessions 2>/dev/null)}"; do
      [[ -n "$line" ]] && items+=("\${line%%$'\\t'*}:\${line#*$'\\t'}")
    done
    _describe 'session' items
  elif [[ $REPLY_NARGS -eq 0 && -n "$REPLY_ARG" ]]; then
    items=(\${=REPLY_ARG}); compadd -- $items
  fi
}
if [[ "\$funcstack[1]" == _session ]]; then _session "$@"; else compdef _session session sessions; fi
`;
}

function fishScript(spec: CompletionSpec): string {
  const lines: string[] = [
    '# fish completion for session and sessions; generated by `session completion fish`.',
    'function __session_state',
    '    set -l cmdpath',
    '    set -l nargs 0',
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
    '        if test $nargs = 0; and contains -- $w $subs',
    '            set cmdpath $cmdpath $w',
    '        else',
    '            set nargs (math $nargs + 1)',
    '        end',
    '    end',
    // Quoted, so the root path (an empty list) still prints ":N" instead of nothing.
    '    echo "$cmdpath:$nargs"',
    'end',
  );
  for (const bin of ['session', 'sessions']) {
    lines.push(`complete -c ${bin} -f`);
    for (const n of spec.nodes) {
      const at = `test (__session_state) = ${quote(`${n.path}:0`)}`;
      const within = `string match -q -- ${quote(`${n.path}:*`)} (__session_state)`;
      if (n.subcommands.length) lines.push(`complete -c ${bin} -n ${quote(at)} -a ${quote(n.subcommands.join(' '))}`);
      for (const flag of n.flags) {
        const opt = flag.startsWith('--') ? `-l ${flag.slice(2)}` : `-s ${flag.slice(1)}`;
        lines.push(`complete -c ${bin} -n ${quote(within)} ${opt}${spec.valueFlags.includes(flag) ? ' -r' : ''}`);
      }
      if (n.firstArg === 'sessions') lines.push(`complete -c ${bin} -n ${quote(at)} -a ${quote(`(${bin} __complete sessions 2>/dev/null)`)}`);
      else if (n.firstArg) lines.push(`complete -c ${bin} -n ${quote(at)} -a ${quote(n.firstArg.join(' '))}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

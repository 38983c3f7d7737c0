// Help in the shape gh prints it: the description, USAGE, the commands in groups, FLAGS,
// INHERITED FLAGS (the global ones, on every subcommand), ARGUMENTS, the command's own text
// (EXAMPLES…), and a LEARN MORE line. No imports but commander's types: it loads with `--help`.
import type { Command, Help, Option } from 'commander';

/**
 * Command groups of the top-level help, in order. A command names its group with commander's
 * `.helpGroup('core')`; one that names none (or an unknown one) is listed under ADDITIONAL.
 */
export const COMMAND_GROUPS: Record<string, string> = {
  core: 'CORE COMMANDS',
  content: 'CONTENT COMMANDS',
  account: 'ACCOUNT COMMANDS',
  local: 'LOCAL COMMANDS',
};
const DEFAULT_GROUP = 'ADDITIONAL COMMANDS';

export const LEARN_MORE = 'Use `session <command> --help` for more about a command. The README covers setup, manifests and exit codes.';

/** Capitalised first letter: commander's and our own descriptions read alike. */
export function sentence(text: string): string {
  return text ? text[0]!.toUpperCase() + text.slice(1) : text;
}

/** Word-wraps `text` to `width`; lines after the first are indented by `indent` spaces (within `width`). */
export function wrap(text: string, width: number, indent = 0): string {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/ +/)) {
      const room = lines.length > 0 ? width - indent : width;
      if (line && line.length + 1 + word.length > room) {
        lines.push(line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    lines.push(line);
  }
  return lines.map((l, i) => (i === 0 ? l : `${' '.repeat(indent)}${l}`)).join('\n');
}

/** `session video upload`: the names from the root down to `cmd`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function usage(cmd: Command, helper: Help): string {
  const subs = helper.visibleCommands(cmd).filter((c) => c.name() !== 'help');
  if (subs.length > 0) return `${commandPath(cmd)} <command> [flags]`;
  const args = cmd.registeredArguments.map((a) => {
    const name = `<${a.name()}>${a.variadic ? '...' : ''}`;
    return a.required ? name : `[${name}]`;
  });
  return [commandPath(cmd), ...args, '[flags]'].join(' ');
}

/** "(default: 50)", never in quotes; booleans and negated flags show none. */
function optionText(option: Option): string {
  let text = sentence(option.description);
  const value = option.defaultValue as unknown;
  if (value !== undefined && typeof value !== 'boolean' && !/\(default/.test(text)) text += ` (default: ${String(value)})`;
  if (option.envVar) text += ` (env: ${option.envVar})`;
  return text;
}

function flagTerm(option: Option): string {
  const long = option.long ?? '';
  const value = option.flags.replace(/^.*?--[\w-]+\s*/, '');
  return `${option.short ? `${option.short}, ` : '    '}${long}${value ? ` ${value}` : ''}`;
}

/** Rows of a two-column list: terms padded to one width, descriptions wrapped beside them. */
function list(rows: Array<[string, string]>, width: number): string[] {
  const termWidth = Math.min(Math.max(...rows.map(([t]) => t.length)), 34);
  const indent = termWidth + 4;
  const column = (text: string) => wrap(text, Math.max(20, width - indent)).split('\n').join(`\n${' '.repeat(indent)}`);
  return rows.map(([term, text]) => {
    if (term.length > termWidth) return `  ${term}\n${' '.repeat(indent)}${column(text)}`;
    return `  ${term.padEnd(termWidth)}  ${column(text)}`;
  });
}

function globalOptions(cmd: Command): Option[] {
  let root = cmd;
  while (root.parent) root = root.parent;
  return root.options.filter((o) => !(o as Option & { hidden?: boolean }).hidden && o.long !== '--version');
}

/** The width help is laid out to: the terminal's, kept within 40..100 columns. */
function clampWidth(width: number): number {
  return Math.max(40, Math.min(width, 100));
}

/** A paragraph under a heading: indented two spaces and wrapped to the help's width. */
export function paragraph(text: string, width: number): string {
  return `  ${wrap(text, clampWidth(width) - 2, 2)}`;
}

/** The LEARN MORE block that ends every help, wrapped like the rest. */
export function learnMore(width: number): string {
  return `\nLEARN MORE\n${paragraph(LEARN_MORE, width)}`;
}

/** Commander's `formatHelp`, replaced (see `configureHelp` in cli.ts). */
export function formatHelp(cmd: Command, helper: Help): string {
  const width = clampWidth(helper.helpWidth ?? 80);
  const out: string[] = [];
  const description = cmd.description();
  if (description) out.push(wrap(sentence(description), width), '');
  out.push('USAGE', `  ${usage(cmd, helper)}`, '');

  const subs = helper.visibleCommands(cmd);
  if (subs.length > 0) {
    const isRoot = !cmd.parent;
    const groups = new Map<string, Command[]>();
    if (isRoot) for (const heading of Object.values(COMMAND_GROUPS)) groups.set(heading, []);
    for (const sub of subs) {
      const heading = isRoot ? (COMMAND_GROUPS[sub.helpGroup()] ?? DEFAULT_GROUP) : 'AVAILABLE COMMANDS';
      if (!groups.has(heading)) groups.set(heading, []);
      groups.get(heading)!.push(sub);
    }
    // ADDITIONAL last, whatever order commands were registered in.
    const additional = groups.get(DEFAULT_GROUP);
    if (additional) {
      groups.delete(DEFAULT_GROUP);
      groups.set(DEFAULT_GROUP, additional);
    }
    for (const [heading, commands] of groups) {
      if (commands.length === 0) continue;
      const rows = commands.map((c): [string, string] => [`${[c.name(), ...c.aliases()].join(', ')}:`, sentence(c.description())]);
      out.push(heading, ...list(rows, width), '');
    }
  }

  const globals = globalOptions(cmd);
  const own = helper.visibleOptions(cmd).filter((o) => !cmd.parent || !globals.includes(o));
  const inherited = cmd.parent ? [...globals, ...helper.visibleOptions(cmd).filter((o) => o.long === '--help')] : [];
  const ownFlags = cmd.parent ? own.filter((o) => o.long !== '--help') : own;
  if (ownFlags.length > 0) out.push('FLAGS', ...list(ownFlags.map((o) => [flagTerm(o), optionText(o)]), width), '');
  if (inherited.length > 0) out.push('INHERITED FLAGS', ...list(inherited.map((o) => [flagTerm(o), optionText(o)]), width), '');

  const args = helper.visibleArguments(cmd);
  if (args.length > 0) {
    out.push('ARGUMENTS', ...list(args.map((a) => [`<${a.name()}>${a.variadic ? '...' : ''}`, sentence(a.description)]), width), '');
  }
  return out.join('\n');
}

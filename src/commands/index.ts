// The command tree: names, arguments, flags and help texts, loaded for every `--help`. Each
// action imports its command module (one file per command, exporting `run(opts, ctx)`) when
// the command runs. Like the nouns' index.ts files, this one imports values only from
// ./runner.js, base/errors.js and base/constants.js: anything else would load with `--help`.
import type { Command } from 'commander';
import { action, contextFor, examples, parseConcurrency } from './runner.js';
import { DEFAULT_CONCURRENCY, SHELLS } from '../base/constants.js';
import { registerAuthCommands } from './auth/index.js';
import { registerSessionCommands } from './session/index.js';
import { registerModuleCommands } from './module/index.js';
import { registerVideoCommands } from './video/index.js';
import { registerLocalCommands } from './local/index.js';
import { registerProjectCommands } from './project/index.js';

/** Every command, in the order `--help` lists them. Each noun registers its own verbs. */
export function registerCommands(program: Command): void {
  registerAuthCommands(program);
  registerSessionCommands(program);
  registerModuleCommands(program);
  registerVideoCommands(program);
  defineImport(program);
  defineExport(program);
  defineGc(program);
  registerLocalCommands(program);
  registerProjectCommands(program);
  defineCompletion(program);
  defineVersion(program);
}

/** `session version`, as `gh version`: the same line as `--version`. */
function defineVersion(program: Command): void {
  program
    .command('version')
    .description('Show the version')
    .action((_opts: unknown, cmd: Command) => {
      const version = program.version() ?? 'dev';
      const g = cmd.optsWithGlobals<{ json?: boolean }>();
      process.stdout.write(g.json ? `${JSON.stringify({ version })}\n` : `session ${version}\n`);
    });
}

function defineImport(program: Command): void {
  program
    .command('import')
    .helpGroup('core')
    .description('Create or update whole sessions from a course folder or a manifest (plan, then apply)')
    .argument('<folder-or-manifest>', 'a course folder (01-intro/, 02-setup/ …) or a manifest (.yaml, .yml or .json)')
    .option('--dry-run', 'print the plan and stop; nothing is written')
    .option('--prune', 'delete modules and videos the manifest does not list')
    .option('--print-manifest', 'print the manifest a folder implies (or a manifest, normalised) and stop')
    .option('-c, --concurrency <n>', `files uploaded at once (default: concurrency in .sessionrc, else ${DEFAULT_CONCURRENCY})`, parseConcurrency)
    .option('-y, --yes', 'delete what --prune removes without asking (required when not on a terminal)')
    .option('--allow-outside', "accept files outside the manifest's folder (absolute paths, ../, links leading out)")
    .addHelpText(
      'after',
      `
The plan lists what changes (--json lists every row): create, update, move,
delete (only with --prune) for sessions, modules and videos, matched by key.
Rows are written in one transaction; then the files are uploaded. Unchanged
files (same sha256) are never sent again, and a re-run finishes uploads that
failed or were interrupted.
${examples([
  'session import ./sql-101 --dry-run',
  'session import ./sql-101 --print-manifest > course.yaml',
  'session import course.yaml --prune --yes',
  'session import course.json --json | jq .summary',
])}`,
    )
    .action(
      action(async (ctx, source: string, opts: { dryRun?: boolean; prune?: boolean; printManifest?: boolean; concurrency?: number; yes?: boolean; allowOutside?: boolean }) =>
        (await import('./import.js')).run(
          {
            source,
            dryRun: opts.dryRun === true,
            prune: opts.prune === true,
            printManifest: opts.printManifest === true,
            concurrency: opts.concurrency,
            yes: opts.yes === true,
            allowOutside: opts.allowOutside === true,
          },
          ctx,
        ),
      ),
    );
}

function defineExport(program: Command): void {
  program
    .command('export')
    .helpGroup('core')
    .description('Write a session as the manifest `session import` reads, optionally with its video files')
    .argument('[session]', 'session id, id prefix, name or key')
    .option('-o, --output <file>', 'write the manifest to this file (.json: JSON, otherwise YAML); default: stdout')
    .option('--with-files <dir>', 'download the videos into this folder, at the paths the manifest names')
    .addHelpText(
      'after',
      `
Paths in the manifest are relative to the manifest's folder (the working
folder when it goes to stdout), so exporting with --with-files and importing
the manifest elsewhere (another account, another project) rebuilds the same
tree. Videos whose upload never finished are left out, with a warning.
${examples([
  'session export sql-101 > course.yaml',
  'session export sql-101 -o backup/course.yaml --with-files backup',
  'session export 3f2a -o course.json',
])}`,
    )
    .action(
      action(async (ctx, sessionRef: string | undefined, opts: { output?: string; withFiles?: string }) => {
        const session = await (await import('./pickers.js')).sessionArg(ctx, sessionRef);
        return (await import('./export/export.js')).run({ session, output: opts.output, withFiles: opts.withFiles }, ctx);
      }),
    );
}

function defineGc(program: Command): void {
  program
    .command('gc')
    .description('Remove the files of deleted videos, files no video points to, and uploads left unfinished for a day')
    .option('-y, --yes', 'do not ask for confirmation')
    .addHelpText(
      'after',
      `
With SUPABASE_SERVICE_ROLE_KEY set it also removes what deleted users left behind
(their queued paths and their folders in the bucket).
${examples(['session gc', 'session gc --yes --json', 'SUPABASE_SERVICE_ROLE_KEY=... session gc --yes'])}`,
    )
    .action(action(async (ctx, opts: { yes?: boolean }) => (await import('./gc/gc.js')).run({ yes: opts.yes }, ctx)));
}

function defineCompletion(program: Command): void {
  program
    .command('completion')
    .description('Print a shell completion script')
    .argument('[shell]', SHELLS.join(', '))
    .addHelpText(
      'after',
      examples([
        "session completion bash > ~/.local/share/bash-completion/completions/session",
        "session completion zsh > \"${fpath[1]}/_session\"",
        'session completion fish > ~/.config/fish/completions/session.fish',
      ]),
    )
    .action(action(async (ctx, shell: string | undefined) => (await import('./completion.js')).run({ shell, program }, ctx)));

  // Called by the scripts on <TAB>: prints ids, keys and names, and nothing at all on any error.
  program
    .command('__complete', { hidden: true })
    .argument('<what>', 'sessions, modules or videos')
    .argument('[session]', "for modules: the session's")
    .action(async (what: string, session: string | undefined, _opts: unknown, cmd: Command) => {
      const { printCompletions } = await import('./complete-values.js');
      await printCompletions(what, session, { profile: cmd.optsWithGlobals<{ profile?: string }>().profile }, () => contextFor(cmd));
    });
}

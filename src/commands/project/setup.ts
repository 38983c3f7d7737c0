import type { Context } from '../../core/context.js';
import { message, none, type View } from '../../ui/printer.js';
import { CliError, usageError } from '../../base/errors.js';
import type { SetupPlan, SetupStep } from '../../core/hosted/setup.js';

export interface SetupCommandOptions {
  projectRef?: string;
  dbUrl?: string;
  pageUrl?: string;
  pageDir?: string;
  url?: string;
  anonKey?: string;
  /** commander's --no-sessionrc sets false. */
  sessionrc?: boolean;
  dryRun?: boolean;
  yes?: boolean;
}

/** The plan (and, unless --dry-run, its application); `error` is the step that failed, after the report. */
export async function run(opts: SetupCommandOptions, ctx: Context): Promise<{ view: View; error: CliError | null }> {
  const [{ checkSetupOptions, planSetup, applySetup }, { findSupabaseCli }, { packageRoot }, { askSecret, confirmOrYes }] = await Promise.all([
    import('../../core/hosted/setup.js'),
    import('../../core/hosted/supabase-cli.js'),
    import('../../base/migration-files.js'),
    import('../../ui/prompt.js'),
  ]);
  const options = {
    projectRef: opts.projectRef,
    dbUrl: opts.dbUrl,
    pageUrl: opts.pageUrl,
    pageDir: opts.pageDir,
    url: opts.url,
    anonKey: opts.anonKey ?? (opts.projectRef ? undefined : ctx.io.env.SUPABASE_ANON_KEY),
    sessionrc: opts.sessionrc,
  };
  checkSetupOptions(options);
  // Asking comes before any work: without a terminal, --yes (or --dry-run) is required.
  if (!opts.dryRun && !opts.yes && !ctx.io.canPrompt) {
    throw usageError('refusing to change the project without confirmation', 'pass --yes to apply, or --dry-run to see the plan', 'confirmation_required');
  }
  const root = packageRoot();
  const cli = await findSupabaseCli(ctx.io.env, root);
  const setup = {
    env: ctx.io.env,
    cwd: process.cwd(),
    root,
    cli,
    askPassword: ctx.io.canPrompt && !opts.dryRun ? () => askSecret(ctx.io, { message: 'Database password (not shown, not stored)', flag: 'SUPABASE_DB_PASSWORD' }) : undefined,
    dryRun: opts.dryRun === true,
    debug: (line: string) => ctx.io.debug(line),
  };
  const plan = await planSetup(options, setup);
  const json = (applied: SetupStep[] | null) => ({
    project_url: plan.projectUrl,
    supabase_cli: plan.cli,
    workdir: plan.workdir,
    steps: plan.steps.map((s) => ({ step: s.step, title: s.title, state: s.state, found: s.found, command: s.command })),
    dry_run: applied === null,
    applied: applied?.map((s) => s.step) ?? null,
  });
  const text = describePlan(plan);
  if (opts.dryRun) return { view: message(text, json(null)), error: null };

  ctx.io.info(text);
  const toRun = plan.steps.filter((s) => s.state === 'run');
  if (toRun.length === 0) return { view: message('Nothing to do: every step is done. Next: session login && session doctor', json([])), error: null };
  if (!(await confirmOrYes(ctx.io, { message: `Run ${toRun.length} step${toRun.length === 1 ? '' : 's'}?`, yes: opts.yes }))) {
    ctx.io.info('Nothing was run.');
    return { view: message('Nothing was run.', json([])), error: null };
  }
  try {
    const applied = await applySetup(plan, setup, (line) => ctx.io.info(line));
    const manual = plan.steps.filter((s) => s.state === 'manual').map((s) => s.command);
    return { view: message(`Done: ${applied.length} step${applied.length === 1 ? '' : 's'} applied. Next: ${manual.join('; then ')}`, json(applied)), error: null };
  } catch (err) {
    if (err instanceof CliError && err.code === 'setup_step_failed') {
      const output = (err.details as { output?: string } | undefined)?.output ?? '';
      if (output.trim()) ctx.io.info(`--- output of the failed step ---\n${output.trimEnd()}\n---`);
      return { view: none(), error: err };
    }
    throw err;
  }
}

const MARK: Record<SetupStep['state'], string> = { run: 'will run', done: 'done', skipped: 'skipped', manual: 'by hand' };

/** The plan as people read it: a numbered step, its state and finding, then its exact command. */
function describePlan(plan: SetupPlan): string {
  const lines = [`Supabase CLI: ${plan.cli}`, `Workdir: ${plan.workdir}`, `Plan${plan.projectUrl ? ` for ${plan.projectUrl}` : ''}:`];
  for (const [i, step] of plan.steps.entries()) {
    lines.push(`  ${i + 1}. ${step.title}: ${MARK[step.state]}${step.found ? ` (${step.found})` : ''}`);
    lines.push(`     ${step.state === 'manual' ? '' : '$ '}${step.command}`);
  }
  return lines.join('\n');
}

// `session setup`: the path of "Use it with your Supabase project" (README), run through the real
// Supabase CLI. Plan first (each step, and what is already done), then apply in order, stopping at
// the first failure. The database password and the service key only ever travel in a child's
// environment; printed commands show them as [masked].
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { CliError, ExitCode, usageError } from '../../base/errors.js';
import type { SupabaseCli, SupabaseCommand } from './supabase-cli.js';

export interface SetupOptions {
  /** The hosted project (`supabase link`, functions, secrets, API keys). */
  projectRef?: string | undefined;
  /** Push the migrations to this database instead of the linked project. */
  dbUrl?: string | undefined;
  /** Where web/device/ will be served (the function's DEVICE_AUTH_VERIFICATION_URL). */
  pageUrl?: string | undefined;
  /** Folder the page is written to, ready to host (default ./device-page). */
  pageDir?: string | undefined;
  /** The project's API URL (default https://<ref>.supabase.co). */
  url?: string | undefined;
  /** The anon or publishable key (default: read with `supabase projects api-keys`). */
  anonKey?: string | undefined;
  /** Write .sessionrc in the working folder (default true). */
  sessionrc?: boolean | undefined;
}

export type StepState = 'run' | 'done' | 'skipped' | 'manual';

export interface SetupStep {
  step: 'link' | 'migrations' | 'function' | 'secret' | 'page' | 'sessionrc' | 'host' | 'login';
  title: string;
  state: StepState;
  /** What the plan found (already done, how far), or why a step is skipped. */
  found: string | null;
  /** The exact command, secrets shown as [masked]; a description for steps that are not commands. */
  command: string;
  /** @internal how to apply it */
  cli?: SupabaseCommand;
  write?: () => Promise<void>;
}

export interface SetupPlan {
  /** The Supabase CLI that runs the steps. */
  cli: string;
  /** The folder holding supabase/ (config.toml, migrations, functions): the CLI's --workdir. */
  workdir: string;
  projectUrl: string | null;
  steps: SetupStep[];
  /** `session setup …` that resumes (secrets left out). */
  resume: string;
}

export interface SetupEnv {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** This package's root (has supabase/ and web/device/). */
  root: string;
  cli: SupabaseCli;
  /** The database password when neither the URL nor the environment has it (a prompt, on a terminal). */
  askPassword?: () => Promise<string>;
  /** A dry run shows the commands without the password; applying needs it. */
  dryRun?: boolean;
  debug?: (line: string) => void;
}

const PROJECT_REF = /^[a-z0-9]{20}$/;

/** Checks the flags before anything runs: a wrong value is exit 2 with the flag to fix. */
export function checkSetupOptions(opts: SetupOptions): void {
  if (!opts.projectRef && !opts.dbUrl) {
    throw usageError('nothing to set up: pass --project-ref (a hosted project) or --db-url (a database)', 'e.g. `session setup --project-ref abcdefghijklmnopqrst --page-url https://example.org/device`', 'missing_argument');
  }
  if (opts.projectRef && !PROJECT_REF.test(opts.projectRef)) {
    throw usageError(`--project-ref must be 20 lowercase letters and digits, got "${opts.projectRef}"`, 'find it in the project URL: https://<ref>.supabase.co', 'invalid_project_ref');
  }
  if (opts.projectRef && !opts.pageUrl) {
    throw usageError('--page-url is needed with --project-ref: where the device-login page (web/device/) will be served', 'e.g. --page-url https://example.org/device', 'missing_argument');
  }
  for (const [flag, value] of [['--page-url', opts.pageUrl], ['--url', opts.url]] as const) {
    if (value !== undefined && !isHttpUrl(value)) throw usageError(`${flag} must be an http(s) URL, got "${value}"`, undefined, 'bad_url');
  }
  if (opts.dbUrl !== undefined) {
    try {
      const u = new URL(opts.dbUrl);
      if (u.protocol !== 'postgresql:' && u.protocol !== 'postgres:') throw new Error('scheme');
    } catch {
      throw usageError('--db-url must be a postgresql:// connection string', 'e.g. postgresql://postgres@db.<ref>.supabase.co:5432/postgres (the password in SUPABASE_DB_PASSWORD)', 'bad_db_url');
    }
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/** A connection string without its password, and the password (from the URL, else the environment). */
export function splitDbUrl(dbUrl: string, env: NodeJS.ProcessEnv): { url: string; password: string | null } {
  const u = new URL(dbUrl);
  const fromUrl = u.password ? decodeURIComponent(u.password) : null;
  u.password = '';
  return { url: u.toString(), password: fromUrl ?? env.SUPABASE_DB_PASSWORD ?? env.PGPASSWORD ?? null };
}

/** Shows an argument as a shell would need it. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(command: SupabaseCommand): string {
  const env = Object.keys(command.secretEnv ?? {}).map((name) => `${name}=[masked] `).join('');
  return `${env}supabase ${command.args.map(shellQuote).join(' ')}`;
}

/** Works out the steps and what is already done. Reads only (the CLI's list commands, files). */
export async function planSetup(opts: SetupOptions, setup: SetupEnv): Promise<SetupPlan> {
  checkSetupOptions(opts);
  const workdir = setup.root;
  const wd = ['--workdir', workdir];
  const ref = opts.projectRef ?? null;
  const projectUrl = opts.url ? opts.url.replace(/\/+$/, '') : ref ? `https://${ref}.supabase.co` : null;
  const steps: SetupStep[] = [];
  const debug = setup.debug ?? (() => {});

  // 1. Where the migrations go: a database URL, or the linked project.
  let dbPassword: string | null;
  let pushTarget: string[];
  let pushEnv: Record<string, string> = {};
  if (opts.dbUrl) {
    const db = splitDbUrl(opts.dbUrl, setup.env);
    dbPassword = db.password;
    pushTarget = ['--db-url', db.url];
    if (dbPassword === null && setup.askPassword) dbPassword = await setup.askPassword();
    if (dbPassword) pushEnv = { PGPASSWORD: dbPassword };
  } else {
    dbPassword = setup.env.SUPABASE_DB_PASSWORD ?? null;
    if (dbPassword === null && setup.askPassword) dbPassword = await setup.askPassword();
    if (dbPassword === null && !setup.dryRun) {
      throw usageError('the database password is needed to link the project and push the migrations', 'set SUPABASE_DB_PASSWORD (dashboard: Project Settings → Database), or run on a terminal to be asked', 'missing_db_password');
    }
    pushEnv = { SUPABASE_DB_PASSWORD: dbPassword ?? '' };
    pushTarget = ['--linked'];
    const linked = readLinkedRef(workdir);
    const link: SupabaseCommand = { args: ['link', '--project-ref', ref!, ...wd], secretEnv: pushEnv };
    steps.push({
      step: 'link',
      title: 'Link the project',
      state: linked === ref ? 'done' : 'run',
      found: linked === ref ? `linked to ${ref}` : linked ? `linked to another project (${linked})` : 'not linked',
      command: commandLine(link),
      cli: link,
    });
  }

  // The reads run side by side: each is a round trip to the database or the Management API.
  const canReadHistory = opts.dbUrl || steps[0]?.state === 'done';
  const [pending, deployed, secretSet, readKey] = await Promise.all([
    canReadHistory ? pendingMigrations(setup, [...pushTarget, ...wd], pushEnv, debug) : { pending: null, note: 'read after linking' },
    ref ? deployedFunction(setup, ref, wd, debug) : null,
    ref ? secretState(setup, ref, wd, 'DEVICE_AUTH_VERIFICATION_URL', opts.pageUrl!, debug) : null,
    ref && !opts.anonKey ? publicKey(setup, ref, wd, debug) : null,
  ]);
  const push: SupabaseCommand = { args: ['db', 'push', ...pushTarget, '--include-all', '--yes', ...wd], secretEnv: pushEnv };
  steps.push({
    step: 'migrations',
    title: 'Push the migrations',
    state: pending.pending === 0 ? 'done' : 'run',
    found: pending.note,
    command: commandLine(push),
    cli: push,
  });

  // 2. The device-login function and where it sends people.
  if (ref) {
    const deploy: SupabaseCommand = { args: ['functions', 'deploy', 'device-auth', '--project-ref', ref, '--no-verify-jwt', '--use-api', ...wd] };
    steps.push({ step: 'function', title: 'Deploy the device-auth function (verify_jwt off)', state: 'run', found: deployed!, command: commandLine(deploy), cli: deploy });

    const secretValue = opts.pageUrl!;
    const secret: SupabaseCommand = { args: ['secrets', 'set', `DEVICE_AUTH_VERIFICATION_URL=${secretValue}`, '--project-ref', ref, ...wd] };
    steps.push({ step: 'secret', title: 'Point the function at the page', state: secretSet!.done ? 'done' : 'run', found: secretSet!.note, command: commandLine(secret), cli: secret });
  } else {
    const why = 'needs --project-ref (functions and secrets live in a hosted project)';
    steps.push({ step: 'function', title: 'Deploy the device-auth function (verify_jwt off)', state: 'skipped', found: why, command: 'supabase functions deploy device-auth --no-verify-jwt --use-api --project-ref <ref>' });
    steps.push({ step: 'secret', title: 'Point the function at the page', state: 'skipped', found: why, command: 'supabase secrets set DEVICE_AUTH_VERIFICATION_URL=https://…/device --project-ref <ref>' });
  }

  // 3. The page and the CLI's own settings: the project URL and its public key.
  const anonKey = opts.anonKey ?? readKey;
  const pageDir = resolve(setup.cwd, opts.pageDir ?? 'device-page');
  const shownDir = relative(setup.cwd, pageDir) || '.';
  const missing = !projectUrl ? 'needs --url and --anon-key (or --project-ref)' : !anonKey ? 'needs --anon-key (it could not be read with `supabase projects api-keys`)' : null;
  if (missing) {
    steps.push({ step: 'page', title: 'Write the device-login page with its settings', state: 'skipped', found: missing, command: `copy web/device/ to ${shownDir}/ with a config.js` });
  } else {
    const files = pageFiles(setup.root, projectUrl!, anonKey!);
    const same = files.every(([name, text]) => readText(join(pageDir, name)) === text);
    steps.push({
      step: 'page',
      title: 'Write the device-login page with its settings',
      state: same ? 'done' : 'run',
      found: same ? `${shownDir}/ is up to date` : existsSync(pageDir) ? `${shownDir}/ differs` : `no ${shownDir}/ yet`,
      command: `copy web/device/ to ${shownDir}/ with a config.js for ${projectUrl}`,
      write: async () => {
        const { mkdir, writeFile } = await import('node:fs/promises');
        await mkdir(pageDir, { recursive: true });
        for (const [name, text] of files) await writeFile(join(pageDir, name), text);
      },
    });
  }
  if (opts.sessionrc !== false) {
    if (missing) {
      steps.push({ step: 'sessionrc', title: 'Save the project settings in .sessionrc', state: 'skipped', found: missing, command: 'write .sessionrc (url, anon_key)' });
    } else {
      const rc = await sessionrcStep(setup.cwd, projectUrl!, anonKey!);
      steps.push({ step: 'sessionrc', title: 'Save the project settings in .sessionrc', ...rc });
    }
  }
  if (ref) {
    steps.push({
      step: 'host',
      title: 'Host the page',
      state: 'manual',
      found: null,
      command: `serve ${shownDir}/ at ${opts.pageUrl} on any static host (with X-Frame-Options: DENY); for the e-mail link button, add that URL to Auth → URL Configuration → Redirect URLs`,
    });
  }
  steps.push({ step: 'login', title: 'Sign in, then check the project', state: 'manual', found: null, command: 'session login && session doctor' });

  return { cli: setup.cli.path, workdir, projectUrl, steps, resume: resumeCommand(opts) };
}

/** Applies the steps marked `run`, in order; the first failure stops the run with its output. */
export async function applySetup(plan: SetupPlan, setup: SetupEnv, progress: (line: string) => void): Promise<SetupStep[]> {
  const applied: SetupStep[] = [];
  for (const [index, step] of plan.steps.entries()) {
    if (step.state !== 'run') continue;
    progress(`→ ${index + 1}. ${step.title}: ${step.command}`);
    if (step.cli) {
      const result = await setup.cli.run(step.cli);
      setup.debug?.(`supabase ${step.cli.args[0]} ${step.cli.args[1] ?? ''} exited ${result.exitCode}\n${result.output}`);
      if (result.exitCode !== 0) {
        throw new CliError(`step ${index + 1} (${step.title}) failed: ${lastErrorLine(result.output)}`, {
          code: 'setup_step_failed',
          hint: `fix it, then resume with \`${plan.resume}\` (steps already done are skipped)`,
          exitCode: ExitCode.failure,
          details: { step: step.step, command: step.command, output: result.output },
        });
      }
    } else if (step.write) {
      await step.write();
    }
    applied.push(step);
  }
  return applied;
}

function lastErrorLine(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const meaningful = lines.filter((l) => !/^Try rerunning the command with --debug/i.test(l));
  return meaningful.find((l) => /error|failed|denied|refused|not found|invalid/i.test(l)) ?? meaningful[meaningful.length - 1] ?? 'the Supabase CLI failed without output';
}

/** The Management API's refusals, said once and short. */
function managementError(output: string): string {
  if (/access token not provided/i.test(output)) return 'no access token (run `supabase login` or set SUPABASE_ACCESS_TOKEN)';
  return lastErrorLine(output);
}

function resumeCommand(opts: SetupOptions): string {
  const parts = ['session setup'];
  if (opts.projectRef) parts.push('--project-ref', opts.projectRef);
  if (opts.dbUrl) parts.push('--db-url', shellQuote(splitDbUrl(opts.dbUrl, {}).url));
  if (opts.pageUrl) parts.push('--page-url', shellQuote(opts.pageUrl));
  if (opts.pageDir) parts.push('--page-dir', shellQuote(opts.pageDir));
  if (opts.url) parts.push('--url', shellQuote(opts.url));
  if (opts.anonKey) parts.push('--anon-key', '"$SUPABASE_ANON_KEY"');
  if (opts.sessionrc === false) parts.push('--no-sessionrc');
  parts.push('--yes');
  return parts.join(' ');
}

function readLinkedRef(workdir: string): string | null {
  return readText(join(workdir, 'supabase', '.temp', 'project-ref'))?.trim() || null;
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

async function pendingMigrations(setup: SetupEnv, target: string[], secretEnv: Record<string, string>, debug: (l: string) => void): Promise<{ pending: number | null; note: string }> {
  const res = await setup.cli.run({ args: ['migration', 'list', ...target, '--output-format', 'json'], secretEnv }, { timeoutMs: 120_000 });
  debug(`supabase migration list exited ${res.exitCode}\n${res.output}`);
  try {
    if (res.exitCode !== 0) throw new Error(lastErrorLine(res.output));
    const list = (JSON.parse(res.stdout) as { migrations?: Array<{ local?: string; remote?: string }> }).migrations ?? [];
    const local = list.filter((m) => m.local);
    const pending = local.filter((m) => !m.remote).length;
    return { pending, note: pending === 0 ? `all ${local.length} migrations applied` : `${pending} of ${local.length} migrations not applied` };
  } catch (err) {
    return { pending: null, note: `could not read the migration history (${(err as Error).message})` };
  }
}

async function deployedFunction(setup: SetupEnv, ref: string, wd: string[], debug: (l: string) => void): Promise<string> {
  const res = await setup.cli.run({ args: ['functions', 'list', '--project-ref', ref, '-o', 'json', ...wd] }, { timeoutMs: 60_000 });
  debug(`supabase functions list exited ${res.exitCode}\n${res.output}`);
  if (res.exitCode !== 0) return `could not list functions: ${managementError(res.output)}`;
  try {
    const list = JSON.parse(res.stdout) as Array<{ slug?: string; version?: number; verify_jwt?: boolean; status?: string }>;
    const fn = list.find((f) => f.slug === 'device-auth');
    if (!fn) return 'not deployed';
    return `deployed (version ${fn.version ?? '?'}, verify_jwt ${fn.verify_jwt ? 'on' : 'off'}); deploys this checkout's code again`;
  } catch {
    return 'could not read the function list';
  }
}

async function secretState(setup: SetupEnv, ref: string, wd: string[], name: string, value: string, debug: (l: string) => void): Promise<{ done: boolean; note: string }> {
  const res = await setup.cli.run({ args: ['secrets', 'list', '--project-ref', ref, '-o', 'json', ...wd] }, { timeoutMs: 60_000 });
  debug(`supabase secrets list exited ${res.exitCode}\n${res.output}`);
  if (res.exitCode !== 0) return { done: false, note: `could not list secrets: ${managementError(res.output)}` };
  try {
    const list = JSON.parse(res.stdout) as Array<{ name?: string; value?: string }>;
    const found = list.find((s) => s.name === name);
    if (!found) return { done: false, note: `${name} not set` };
    // The API lists each secret's SHA-256, never its value.
    const digest = createHash('sha256').update(value).digest('hex');
    return found.value === digest ? { done: true, note: `${name} already ${value}` } : { done: false, note: `${name} set to another value` };
  } catch {
    return { done: false, note: 'could not read the secret list' };
  }
}

/** The publishable key, else the legacy anon key; secret keys are never kept. */
async function publicKey(setup: SetupEnv, ref: string, wd: string[], debug: (l: string) => void): Promise<string | null> {
  const res = await setup.cli.run({ args: ['projects', 'api-keys', '--project-ref', ref, '-o', 'json', ...wd] }, { timeoutMs: 60_000 });
  debug(`supabase projects api-keys exited ${res.exitCode}`);
  if (res.exitCode !== 0) return null;
  try {
    const keys = JSON.parse(res.stdout) as Array<{ name?: string; type?: string; api_key?: string }>;
    const publishable = keys.find((k) => k.type === 'publishable' && k.api_key?.startsWith('sb_publishable_'));
    const anon = keys.find((k) => k.name === 'anon' && typeof k.api_key === 'string');
    return publishable?.api_key ?? anon?.api_key ?? null;
  } catch {
    return null;
  }
}

/** web/device/ as it is (its example settings left out), plus the config.js its index.html loads. */
export function pageFiles(root: string, url: string, anonKey: string): Array<[string, string]> {
  const dir = join(root, 'web', 'device');
  const files: Array<[string, string]> = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name !== 'config.example.js' && entry.name !== 'config.js')
    .map((entry) => entry.name)
    .sort()
    .map((name) => [name, readFileSync(join(dir, name), 'utf8')]);
  files.push([
    'config.js',
    `// Written by \`session setup\`: the project this page signs people in to. The key is public.\nwindow.SESSION_DEVICE_CONFIG = ${JSON.stringify({ supabaseUrl: url, anonKey }, null, 2)};\n`,
  ]);
  return files;
}

async function sessionrcStep(cwd: string, url: string, anonKey: string): Promise<Pick<SetupStep, 'state' | 'found' | 'command' | 'write'>> {
  const { findRcFile } = await import('../../config/project.js');
  const found = await findRcFile(cwd).catch(() => null);
  const here = found && dirname(found.file) === cwd ? found : null;
  const file = here?.file ?? join(cwd, '.sessionrc');
  const shown = relative(cwd, file) || file;
  const same = found && found.config.url?.replace(/\/+$/, '') === url && found.config.anon_key === anonKey;
  if (same) return { state: 'done', found: `${relative(cwd, found.file) || found.file} already names ${url}`, command: `write ${shown} (url, anon_key)` };
  return {
    state: 'run',
    found: here ? `${shown} names ${here.config.url ?? 'no project'}` : found ? `${found.file} (a parent folder) names ${found.config.url ?? 'no project'}` : 'no .sessionrc',
    command: `write ${shown} (url ${url}, anon_key)`,
    write: async () => {
      const { writeFileAtomic } = await import('../../base/atomic-file.js');
      const next = { ...(here?.config ?? {}), url, anon_key: anonKey };
      const yaml = /\.ya?ml$/.test(file) || (here !== null && !(readText(file) ?? '').trimStart().startsWith('{'));
      // A CommonJS package imported from a split ESM bundle may arrive as `default` only.
      const mod = yaml ? await import('yaml') : null;
      const stringify = mod ? (mod.stringify ?? (mod as unknown as { default: typeof mod }).default.stringify) : null;
      const text = stringify ? stringify(next) : `${JSON.stringify(next, null, 2)}\n`;
      // The anon key is public: the file may be committed and read by the team.
      await writeFileAtomic(file, text, 0o644);
    },
  };
}

// `session doctor`: checks a configured project without changing it, the way `gh auth status` and
// `supabase status` report, one check per line with what to do about a failure. Every database
// probe is a GET, which PostgREST runs in a read-only transaction, so a probe cannot write.
import type { Context } from '../context.js';
import type { ProjectConfig } from '../../config/project.js';
import { CliError, toCliError } from '../../base/errors.js';
import { formatBytes } from '../../base/format.js';
import type { BucketSettings, BundledFunction, BundledObjects } from './bundled.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do; null when the check passed. */
  fix: string | null;
}

/** Beyond this, token lifetimes and refresh margins (60 s) are off. */
export const MAX_CLOCK_SKEW_SECONDS = 30;

/** Every check, in the order of the report. */
export const CHECK_NAMES = ['project', 'api', 'clock', 'token', 'migrations', 'bucket', 'device_auth', 'verification_page'] as const;

const TIMEOUT_MS = 15_000;
const PUSH_FIX = 'apply this tool\'s migrations: `supabase db push` from this repository (or `session setup`)';
const LOGIN_FIX = 'run `session login`, then `session doctor` again';

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
  url: string;
}

export async function runDoctor(ctx: Context): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  let config: ProjectConfig;
  try {
    config = await ctx.config();
  } catch (err) {
    const e = toCliError(err);
    return [fail('project', e.message, e.hint ?? 'set SUPABASE_URL and SUPABASE_ANON_KEY, or write a .sessionrc'), ...notChecked('project')];
  }
  checks.push(pass('project', `${config.url} (settings from ${config.source === 'env' ? 'SUPABASE_URL and SUPABASE_ANON_KEY' : config.source === 'file' ? (config.file ?? '.sessionrc') : 'the running local backend'}, profile ${config.profile})`));
  const http = new ProjectHttp(ctx, config);

  // The API, and the server's clock from the same answer.
  const sentAt = Date.now();
  const settings = await http.get('/auth/v1/settings', null).catch((err: unknown) => toCliError(err));
  const receivedAt = Date.now();
  const api = settings instanceof CliError ? fail('api', settings.message, 'check SUPABASE_URL (or url in .sessionrc) and that the project is not paused') : apiCheck(settings, config);
  checks.push(api);
  if (!api.ok || settings instanceof CliError) {
    // Without the API nothing else can be asked; the report keeps its lines.
    return [...checks, ...notChecked('api')];
  }
  checks.push(clockCheck(settings, (sentAt + receivedAt) / 2));

  // Everything a person does runs as a signed-in user.
  let token: string | null = null;
  try {
    const { authTarget, resolveIdentity, decodeJwtClaims } = await import('../identity.js');
    const { fetchUser } = await import('../session-auth.js');
    const identity = await resolveIdentity(ctx.io, config);
    token = await identity.accessToken();
    const user = await fetchUser(authTarget(ctx.io, config), token);
    const claims = decodeJwtClaims(token);
    checks.push(pass('token', `${user.email ?? user.id}: ${tokenLife(claims.exp, claims.iat)}`));
  } catch (err) {
    const e = toCliError(err);
    checks.push(fail('token', e.message, e.exitCode === 3 ? LOGIN_FIX : (e.hint ?? LOGIN_FIX)));
  }

  const { readBundledObjects } = await import('./bundled.js');
  const bundled = await readBundledObjects();
  if (token === null) {
    checks.push(fail('migrations', 'not checked: needs a signed-in user', LOGIN_FIX));
    checks.push(fail('bucket', 'not checked: needs a signed-in user', LOGIN_FIX));
  } else {
    checks.push(await migrationsCheck(http, token, bundled));
    checks.push(await bucketCheck(http, token, bundled.bucket));
  }

  const device = await deviceAuthCheck(http);
  checks.push(device.check);
  checks.push(device.verificationUri === null ? fail('verification_page', 'not checked: the device-auth function did not hand out a page URL', 'fix the device_auth check first') : await pageCheck(http, device.verificationUri, config));
  return checks;
}

/** The checks after `failed`, reported as not checked. */
function notChecked(failed: (typeof CHECK_NAMES)[number]): DoctorCheck[] {
  return CHECK_NAMES.slice(CHECK_NAMES.indexOf(failed) + 1).map((name) => fail(name, `not checked: the ${failed} check failed`, `fix the ${failed} check first`));
}

function pass(name: string, detail: string): DoctorCheck {
  return { name, ok: true, detail, fix: null };
}

function fail(name: string, detail: string, fix: string): DoctorCheck {
  return { name, ok: false, detail, fix };
}

/** Requests to the project with its key, logged (masked) under --debug, with a timeout. */
class ProjectHttp {
  private fetcher: Promise<typeof fetch>;

  constructor(
    ctx: Context,
    readonly config: ProjectConfig,
  ) {
    this.fetcher = import('../debug-fetch.js').then(({ debugFetch }) => debugFetch(ctx.io));
  }

  /** GET (or another method) on the project; `token`: a user's access token for Authorization. */
  async get(path: string, token: string | null, init: { method?: string; body?: unknown; noAuthorization?: boolean } = {}): Promise<Answer> {
    const headers: Record<string, string> = { apikey: this.config.anonKey, 'x-client-info': 'session-cli' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    return this.fetch(`${this.config.url}${path}`, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  }

  /** Any URL, no project headers (the verification page lives on its own host). */
  async fetch(url: string, init: RequestInit = {}): Promise<Answer> {
    const res = await (await this.fetcher)(url, { ...init, redirect: 'follow', signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    return { status: res.status, headers: res.headers, body, text, url: res.url || url };
  }
}

function apiCheck(answer: Answer, config: ProjectConfig): DoctorCheck {
  const kind = config.anonKey.startsWith('sb_publishable_') ? 'publishable key' : 'anon key';
  if (answer.status === 200) return pass('api', `Auth answers with the ${kind}`);
  if (answer.status === 401 || answer.status === 403) {
    return fail('api', `the project refused the ${kind} (${answer.status}: ${messageOf(answer)})`, "use the project's anon or publishable key (dashboard: Project Settings → API Keys) in SUPABASE_ANON_KEY or .sessionrc");
  }
  return fail('api', `GET /auth/v1/settings answered ${answer.status}: ${messageOf(answer)}`, 'check SUPABASE_URL (or url in .sessionrc): it must be the project URL, https://<ref>.supabase.co');
}

function clockCheck(answer: Answer, localMs: number): DoctorCheck {
  const header = answer.headers.get('date');
  const serverMs = header ? Date.parse(header) : NaN;
  if (!Number.isFinite(serverMs)) return fail('clock', 'the server sent no Date header, so the skew is unknown', 'none on this side; tokens are checked against the server anyway');
  // The header has whole seconds: a second of difference is rounding.
  const skew = Math.round((localMs - serverMs) / 1000);
  const size = Math.abs(skew);
  if (size <= 1) return pass('clock', 'in step with the server (within 1 s)');
  const text = `this machine is ${size} s ${skew > 0 ? 'ahead of' : 'behind'} the server`;
  if (size <= MAX_CLOCK_SKEW_SECONDS) return pass('clock', text);
  return fail('clock', `${text}: tokens look expired too early or too late`, 'set the clock from the network (e.g. `timedatectl set-ntp true`, or your OS time settings)');
}

function tokenLife(exp: unknown, iat: unknown): string {
  if (typeof exp !== 'number') return 'token accepted (no expiry in it)';
  const left = Math.round(exp - Date.now() / 1000);
  const life = typeof iat === 'number' ? ` (tokens live ${duration(exp - iat)}; they are refreshed on use)` : '';
  return `token accepted, ${left > 0 ? `expires in ${duration(left)}` : 'expired'}${life}`;
}

function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 2 * 86400) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} days`;
}

function messageOf(answer: Answer): string {
  const body = answer.body as { message?: unknown; msg?: unknown; error?: unknown; error_description?: unknown } | null;
  const text = [body?.message, body?.msg, body?.error_description, body?.error].find((v) => typeof v === 'string' && v !== '');
  return (typeof text === 'string' ? text : answer.text.slice(0, 120).replace(/\s+/g, ' ').trim()) || 'no message';
}

/** A harmless argument of each type: probes only need the call to reach the function. */
function probeValue(type: string): string {
  if (type.endsWith('[]')) return '{}';
  if (type === 'uuid') return '00000000-0000-0000-0000-000000000000';
  if (/^(integer|int|int4|int8|int2|bigint|smallint|numeric|real|double precision)$/.test(type)) return '1';
  if (type === 'boolean' || type === 'bool') return 'false';
  if (type === 'json' || type === 'jsonb') return '{}';
  return 'doctor';
}

type Presence = 'present' | 'missing' | 'denied' | 'token' | { unknown: string };

/** What an answer says about an object: any answer from inside the database means it is there. */
function presence(answer: Answer, missingCodes: string[]): Presence {
  if (answer.status >= 200 && answer.status < 300) return 'present';
  const code = (answer.body as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return answer.status === 401 ? 'token' : { unknown: `${answer.status}: ${messageOf(answer)}` };
  if (missingCodes.includes(code)) return 'missing';
  if (code === 'PGRST301' || code === 'PGRST302' || code === 'PGRST303') return 'token';
  if (code === '42501' && /permission denied for (function|table)/i.test(messageOf(answer))) return 'denied';
  return 'present';
}

async function probeFunction(http: ProjectHttp, token: string, fn: BundledFunction): Promise<Presence> {
  const query = new URLSearchParams();
  for (const p of fn.params) if (!p.hasDefault) query.set(p.name, probeValue(p.type));
  const search = query.toString() ? `?${query.toString()}` : '';
  return presence(await http.get(`/rest/v1/rpc/${fn.name}${search}`, token), ['PGRST202', '42883']);
}

async function probeTable(http: ProjectHttp, token: string, table: string): Promise<Presence> {
  return presence(await http.get(`/rest/v1/${table}?select=*&limit=0`, token), ['PGRST205', '42P01', 'PGRST200']);
}

async function migrationsCheck(http: ProjectHttp, token: string, bundled: BundledObjects): Promise<DoctorCheck> {
  const functions = bundled.functions.filter((f) => f.forUsers);
  const results = await Promise.all([
    ...functions.map(async (f) => ({ label: `${f.name}()`, state: await probeFunction(http, token, f).catch((e: unknown) => ({ unknown: toCliError(e).message })) })),
    ...bundled.tables.map(async (t) => ({ label: `table ${t}`, state: await probeTable(http, token, t).catch((e: unknown) => ({ unknown: toCliError(e).message })) })),
  ]);
  if (results.some((r) => r.state === 'token')) return fail('migrations', 'the server refused the access token', LOGIN_FIX);
  const missing = results.filter((r) => r.state === 'missing').map((r) => r.label);
  const denied = results.filter((r) => r.state === 'denied').map((r) => r.label);
  const unknown = results.filter((r) => typeof r.state === 'object').map((r) => `${r.label} (${(r.state as { unknown: string }).unknown})`);
  if (missing.length === 0 && denied.length === 0 && unknown.length === 0) {
    return pass('migrations', `all ${functions.length} functions and ${bundled.tables.length} tables of the bundled migrations answer the signed-in user`);
  }
  const parts = [
    missing.length ? `missing: ${missing.join(', ')}` : '',
    denied.length ? `not allowed to the signed-in user: ${denied.join(', ')}` : '',
    unknown.length ? `no clear answer: ${unknown.join(', ')}` : '',
  ].filter(Boolean);
  return fail('migrations', parts.join('; '), missing.length || denied.length ? PUSH_FIX : 'run `session doctor --debug` to see the requests');
}

async function bucketCheck(http: ProjectHttp, token: string, expected: BucketSettings | null): Promise<DoctorCheck> {
  if (!expected) return pass('bucket', 'the migrations define no videos bucket');
  let answer: Answer;
  try {
    answer = await http.get(`/storage/v1/bucket/${expected.id}`, token);
  } catch (err) {
    return fail('bucket', toCliError(err).message, 'check that Storage is enabled for the project');
  }
  if (answer.status === 404 || answer.status === 400) return fail('bucket', `no bucket "${expected.id}" visible to the signed-in user (${messageOf(answer)})`, PUSH_FIX);
  if (answer.status === 401 || answer.status === 403) return fail('bucket', `Storage refused the access token (${messageOf(answer)})`, LOGIN_FIX);
  if (answer.status !== 200) return fail('bucket', `Storage answered ${answer.status}: ${messageOf(answer)}`, 'check that Storage is enabled for the project');
  const found = answer.body as { public?: unknown; file_size_limit?: unknown; allowed_mime_types?: unknown };
  const types = Array.isArray(found.allowed_mime_types) ? (found.allowed_mime_types as string[]) : null;
  const limit = typeof found.file_size_limit === 'number' ? found.file_size_limit : found.file_size_limit == null ? null : Number(found.file_size_limit);
  const wrong: string[] = [];
  if (Boolean(found.public) !== expected.public) wrong.push(`public is ${Boolean(found.public)}, the migrations say ${expected.public}`);
  if (limit !== expected.fileSizeLimit) wrong.push(`size limit is ${limit === null ? 'none' : formatBytes(limit)}, the migrations say ${expected.fileSizeLimit === null ? 'none' : formatBytes(expected.fileSizeLimit)}`);
  const sorted = (list: string[] | null) => (list ? [...list].sort().join(', ') : 'any type');
  if (sorted(types) !== sorted(expected.allowedMimeTypes)) wrong.push(`MIME types are ${sorted(types)}, the migrations say ${sorted(expected.allowedMimeTypes)}`);
  if (wrong.length) return fail('bucket', `${expected.id}: ${wrong.join('; ')}`, `${PUSH_FIX}; a bucket changed by hand is set back by the migration's values (dashboard: Storage → ${expected.id} → Edit bucket)`);
  return pass('bucket', `${expected.id}: ${expected.public ? 'public' : 'private'}, ${limit === null ? 'no size limit' : `${formatBytes(limit)} per file`}, ${types?.length ?? 0} video types, as the migrations set it`);
}

async function deviceAuthCheck(http: ProjectHttp): Promise<{ check: DoctorCheck; verificationUri: string | null }> {
  const deploy = 'deploy it: `supabase functions deploy device-auth --no-verify-jwt --use-api --project-ref <ref>` (or `session setup`)';
  let answer: Answer;
  try {
    // Only the apikey header, as a publishable key sends it: a function that still verifies JWTs refuses
    // this. The code lives one second and is never shown, so nobody can approve it.
    answer = await http.get('/functions/v1/device-auth/code', null, { method: 'POST', body: { client_name: 'session doctor', expires_in: 1 } });
  } catch (err) {
    return { check: fail('device_auth', toCliError(err).message, deploy), verificationUri: null };
  }
  const body = answer.body as { user_code?: unknown; verification_uri?: unknown } | null;
  if (answer.status === 200 && typeof body?.user_code === 'string' && typeof body.verification_uri === 'string') {
    return { check: pass('device_auth', `answers code; it sends people to ${body.verification_uri}`), verificationUri: body.verification_uri };
  }
  if (answer.status === 404) return { check: fail('device_auth', `the function is not deployed (${messageOf(answer)})`, deploy), verificationUri: null };
  if (answer.status === 401) {
    return { check: fail('device_auth', `the function verifies JWTs (${messageOf(answer)}): the CLI calls it with the anon or publishable key`, 'deploy it again with verify_jwt off: `supabase functions deploy device-auth --no-verify-jwt --project-ref <ref>`'), verificationUri: null };
  }
  return {
    check: fail('device_auth', `POST code answered ${answer.status}: ${messageOf(answer)}`, "read the function's logs (dashboard: Edge Functions → device-auth → Logs); the device_auth migration must be applied"),
    verificationUri: null,
  };
}

async function pageCheck(http: ProjectHttp, uri: string, config: ProjectConfig): Promise<DoctorCheck> {
  const host = 'host web/device/ there (see "Use it with your Supabase project" in the README), or point the function at the page: `supabase secrets set DEVICE_AUTH_VERIFICATION_URL=https://…/device`';
  let page: Answer;
  try {
    page = await http.fetch(uri);
  } catch (err) {
    return fail('verification_page', `${uri}: ${toCliError(err).message}`, host);
  }
  const type = page.headers.get('content-type') ?? '';
  if (page.status !== 200 || !type.includes('text/html')) return fail('verification_page', `${uri} answered ${page.status} ${type || 'without a type'}`, host);
  // The local backend inlines the page's settings as a JSON block; a static host serves config.js.
  const inline = /<script[^>]*id=["']session-device-config["'][^>]*>([\s\S]*?)<\/script>/i.exec(page.text);
  if (inline) {
    const inlineFix = "the page's inline settings come from the backend that serves it: point the device-auth function's page URL at this project's own page";
    let named = '';
    try {
      named = String((JSON.parse(inline[1] ?? '{}') as { supabaseUrl?: unknown }).supabaseUrl ?? '').replace(/\/+$/, '');
    } catch {
      return fail('verification_page', `${uri} answers, but its inline settings are not JSON`, inlineFix);
    }
    if (named !== config.url.replace(/\/+$/, '')) return fail('verification_page', `${uri} names ${named || 'no project'}, not ${config.url}: the page signs people in to another project`, inlineFix);
    return pass('verification_page', `${uri} answers; its settings name this project${framingNote(page)}`);
  }
  // The page reads its project settings from config.js beside it, resolved as a browser would.
  if (/<script[^>]+src=["']config\.js["']/i.test(page.text)) {
    const configUrl = new URL('config.js', page.url).toString();
    let script: Answer | null = null;
    try {
      script = await http.fetch(configUrl);
    } catch {
      script = null;
    }
    const settingsFix = `serve config.js beside index.html with this project's URL and anon key (copy web/device/config.example.js); a browser loads it from ${configUrl}`;
    if (!script || script.status !== 200) return fail('verification_page', `${uri} answers, but ${configUrl} does not (${script ? script.status : 'no answer'})`, settingsFix);
    if (!script.text.includes(config.url)) return fail('verification_page', `${configUrl} does not name ${config.url}: the page signs people in to another project`, settingsFix);
    return pass('verification_page', `${uri} answers; its config.js names this project${framingNote(page)}`);
  }
  return pass('verification_page', `${uri} answers${framingNote(page)}`);
}

/** The page approves with one click, so it should not be framed (docs/device-login.md). */
function framingNote(page: Answer): string {
  const xfo = page.headers.get('x-frame-options');
  const csp = page.headers.get('content-security-policy') ?? '';
  return xfo || /frame-ancestors/i.test(csp) ? '' : ' (it is served without X-Frame-Options or frame-ancestors; the page refuses frames itself, but the headers are better)';
}

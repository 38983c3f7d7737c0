/** Hides secrets before anything reaches a log: JWTs, Supabase API keys, token fields, passwords. */
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const API_KEY = /\bsb_(publishable|secret)_[A-Za-z0-9_-]+/g;
/** Supabase personal access tokens (`supabase login`, SUPABASE_ACCESS_TOKEN). */
const ACCESS_TOKEN = /\bsbp_[A-Za-z0-9]+/g;
const SECRET_FIELD =
  /("?(?:access_token|refresh_token|provider_token|password|token|token_hash|device_code|apikey|api_key|service_role_key|anon_key|secret)"?\s*[:=]\s*"?)([^"&\s,}]+)/gi;
const BEARER = /(Bearer\s+)([^\s"]+)/gi;

export function maskSecrets(text: string): string {
  return text
    .replace(JWT, '[jwt]')
    .replace(API_KEY, 'sb_$1_[masked]')
    .replace(ACCESS_TOKEN, 'sbp_[masked]')
    .replace(BEARER, '$1[masked]')
    .replace(SECRET_FIELD, (_m, key: string, value: string) => (value.startsWith('[') ? key + value : `${key}[masked]`));
}

import { defaultDataDir, instanceStatus } from './instance.js';

/**
 * The project settings of a running local backend, used when nothing else is configured,
 * so a newcomer can run `session local start` and then any command. Reads the default data
 * directory ($SESSION_LOCAL_DIR, see instance.ts); null when no backend runs from it.
 */
export async function readLocalProject(env: NodeJS.ProcessEnv): Promise<{ url: string; anonKey: string } | null> {
  const status = await instanceStatus(defaultDataDir(env));
  if (!status.running || !status.state || !status.keys) return null;
  return { url: status.state.api_url, anonKey: status.keys.anonKey };
}

/**
 * The project settings of a running local backend, used when nothing else is configured,
 * so a newcomer can run `session local start` and then any command.
 */
export async function readLocalProject(_env: NodeJS.ProcessEnv): Promise<{ url: string; anonKey: string } | null> {
  return null;
}

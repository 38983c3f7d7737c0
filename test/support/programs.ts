// System programs some tests drive (shells for the completion scripts, Chromium for the device
// page). On a machine without them those tests are skipped, and the run's global setup prints one
// line per missing program with how to install it; under CI (the CI variable, as .ci/run sets)
// or SESSION_TEST_STRICT=1 a missing program fails the run instead.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const INSTALL_HINT = 'apt-get install zsh fish chromium';

/** Programs the full suite uses, with what needs each. */
export const SYSTEM_PROGRAMS = {
  zsh: 'the zsh completion tests',
  fish: 'the fish completion tests',
  chromium: 'the device-login page test in a real browser',
} as const;

export type SystemProgram = keyof typeof SYSTEM_PROGRAMS;

/** True when a missing program must fail the run rather than skip tests. */
export function strictPrograms(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.CI) || env.SESSION_TEST_STRICT === '1';
}

/** Full path of an executable on PATH, or null. */
export function findProgram(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** True when the tests needing `name` should be skipped (missing, and not strict). */
export function skipWithout(name: SystemProgram): boolean {
  return findProgram(name) === null && !strictPrograms();
}

/** The line printed once per missing program. */
export function missingProgramLine(name: SystemProgram): string {
  return `skipping ${SYSTEM_PROGRAMS[name]}: ${name} is not installed (${INSTALL_HINT})`;
}

/**
 * Checked once per run by the global setup: prints a line per missing program, or, when strict,
 * throws naming them all.
 */
export function checkSystemPrograms(log: (line: string) => void = (line) => console.warn(line)): void {
  const missing = (Object.keys(SYSTEM_PROGRAMS) as SystemProgram[]).filter((name) => findProgram(name) === null);
  if (missing.length === 0) return;
  if (strictPrograms()) {
    throw new Error(
      `the full suite needs ${missing.join(', ')} (missing on PATH; CI or SESSION_TEST_STRICT=1 makes that a failure): ${INSTALL_HINT}`,
    );
  }
  for (const name of missing) log(missingProgramLine(name));
}

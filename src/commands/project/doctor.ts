import type { Context } from '../../core/context.js';
import { message, table, type View } from '../../ui/printer.js';
import { CliError, ExitCode } from '../../base/errors.js';
import { runDoctor, type DoctorCheck } from '../../core/hosted/doctor.js';

/** Runs every check; `error` (exit 1) names the failed ones after the report is printed. */
export async function run(_opts: Record<string, never>, ctx: Context): Promise<{ view: View; error: CliError | null }> {
  const checks = await runDoctor(ctx);
  // A terminal gets one readable line per check; piped, tab-separated fields (✓/✗, name, result, fix).
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.name.padEnd(width)}  ${c.detail}${c.fix ? ` → fix: ${c.fix}` : ''}`);
  const view = ctx.io.stdoutIsTTY ? message(lines.join('\n'), { checks }) : table(
    checks,
    [
      { header: '', value: (c: DoctorCheck) => (c.ok ? { text: '✓', paint: 'green' } : { text: '✗', paint: 'red' }) },
      { header: 'check', value: (c: DoctorCheck) => c.name },
      { header: 'result', value: (c: DoctorCheck) => c.detail },
      { header: 'fix', value: (c: DoctorCheck) => c.fix ?? '' },
    ],
    { checks },
  );
  const failed = checks.filter((c) => !c.ok);
  const error = failed.length
    ? new CliError(`${failed.length} of ${checks.length} checks failed: ${failed.map((c) => c.name).join(', ')}`, {
        code: 'doctor_failed',
        hint: 'do what the fix column says, then run `session doctor` again',
        exitCode: ExitCode.failure,
      })
    : null;
  return { view, error };
}

import { interruptedError, type CliError } from '../../base/errors.js';

/** Ctrl-C during an import: exit 130, saying whether the rows were written. */
export function interrupted(when: string, written = false): CliError {
  return interruptedError(
    `interrupted ${when}`,
    written ? 'the rows are in place; run the same import again to finish the uploads' : 'nothing was written; run the same import again',
  );
}

/**
 * Names other people chose (an operator lists every author's sessions; file names come from anyone's
 * folder) end up on the reader's terminal and in CI logs: a name carrying ESC or another control
 * character could drive the terminal (move the cursor over other lines, set the title, write the
 * clipboard with OSC 52). Control characters are shown in caret notation (`^[`), C1 ones as `<U+009B>`;
 * tab and newline stay (a table wraps, tab-separated output turns them into spaces).
 *
 * Escape the data, never a styled line: the colour codes the program adds itself are escape codes too.
 * No imports, so `src/cli.ts` can use it without weighing on start-up.
 */
export function visibleControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return `^${String.fromCharCode(code + 0x40)}`;
    if (code === 0x7f) return '^?';
    return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
  });
}

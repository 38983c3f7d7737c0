// Opening the approval page, and a spinner while the CLI waits for it.
import { spawn } from 'node:child_process';
import type { IO } from '../../base/io.js';
import { visibleControls } from '../../base/visible.js';

/** A browser can be shown: an explicit browser command, macOS or Windows, or a graphical session on Linux. */
export function canOpenBrowser(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): boolean {
  if (env.SESSION_BROWSER || env.BROWSER) return true;
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** Starts the browser detached and forgets it; failures are reported by the returned promise, never thrown. */
export function openBrowser(url: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): Promise<Error | null> {
  const custom = (env.SESSION_BROWSER || env.BROWSER)?.trim();
  let command: string;
  let args: string[];
  if (custom) {
    [command, ...args] = custom.split(/\s+/) as [string, ...string[]];
    args.push(url);
  } else if (platform === 'darwin') {
    [command, args] = ['open', [url]];
  } else if (platform === 'win32') {
    // Not `cmd /c start`: cmd would read `&`, `|`, `^` and `%` in the URL as its own syntax.
    [command, args] = ['rundll32', ['url.dll,FileProtocolHandler', url]];
  } else {
    [command, args] = ['xdg-open', [url]];
  }
  return new Promise((resolve) => {
    try {
      const child = spawn(command, args, { detached: true, stdio: 'ignore', env });
      child.once('error', (err) => resolve(err));
      child.once('spawn', () => {
        child.unref();
        resolve(null);
      });
    } catch (err) {
      resolve(err as Error);
    }
  });
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A one-line spinner on stderr when it is a terminal; otherwise one plain line. Returns a stop function. */
export function startSpinner(io: IO, text: string): () => void {
  if (!io.canAnimate) {
    io.info(text);
    return () => undefined;
  }
  let frame = 0;
  const shown = visibleControls(text);
  const draw = () => {
    io.stderr.write(`\r${io.errStyle.cyan(FRAMES[frame % FRAMES.length])} ${shown}\u001b[K`);
    frame += 1;
  };
  draw();
  const timer = setInterval(draw, 100);
  timer.unref();
  return () => {
    clearInterval(timer);
    io.stderr.write('\r\u001b[K');
  };
}

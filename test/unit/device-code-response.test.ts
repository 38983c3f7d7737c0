// What the CLI accepts from a project's device-auth `code` route before printing it and opening a browser:
// the server (or a .sessionrc pointing at someone else's) chooses this text.
import { describe, expect, it } from 'vitest';
import { requestDeviceCode, webUrl } from '../../src/core/session-auth.js';
import { CliError } from '../../src/base/errors.js';

function target(body: Record<string, unknown>) {
  return {
    url: 'http://127.0.0.1:54321',
    anonKey: 'anon',
    fetch: (async () => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })) as typeof fetch,
  };
}

const good = {
  device_code: 'd'.repeat(43),
  user_code: 'BCDF-GHJK',
  verification_uri: 'http://127.0.0.1:54321/device',
  verification_uri_complete: 'http://127.0.0.1:54321/device?code=BCDF-GHJK',
  expires_in: 900,
  interval: 5,
};

describe('the device code response', () => {
  it('keeps an ordinary answer as it is', async () => {
    const code = await requestDeviceCode(target(good), 'test');
    expect(code).toEqual(good);
  });

  it('refuses page addresses that are not http(s) URLs', async () => {
    for (const bad of ['javascript:alert(1)', 'file:///etc/passwd', 'calc.exe', '', 'vbscript:x']) {
      for (const field of ['verification_uri', 'verification_uri_complete']) {
        const err = await requestDeviceCode(target({ ...good, [field]: bad }), 'test').catch((e: unknown) => e);
        expect(err, `${field}=${bad}`).toBeInstanceOf(CliError);
        expect((err as CliError).code).toBe('bad_device_code');
      }
    }
  });

  it('refuses a user code with control characters or spaces', async () => {
    for (const userCode of ['BCDF\u001b[2J', 'BCDF GHJK', '', 'x'.repeat(40)]) {
      const err = await requestDeviceCode(target({ ...good, user_code: userCode }), 'test').catch((e: unknown) => e);
      expect(err, JSON.stringify(userCode)).toBeInstanceOf(CliError);
    }
  });

  it('encodes what a terminal or the Windows opener (cmd /c start) would act on', () => {
    expect(webUrl('http://evil.example/a|calc^x"y z')).toBe('http://evil.example/a%7Ccalc%5Ex%22y%20z');
    expect(webUrl("http://evil.example/?q='x'`y`")).toBe('http://evil.example/?q=%27x%27%60y%60');
    expect(webUrl('http://evil.example/\u001b]52;c;aGk=\u0007')).not.toMatch(/[\u0000-\u001f]/);
    expect(webUrl('https://project.example/device?code=BCDF-GHJK')).toBe('https://project.example/device?code=BCDF-GHJK');
  });
});

// The verification page of the device login: sign in with Supabase Auth, look the code up, and
// approve or deny it on an explicit click only, also when the code came in the URL (RFC 8628 5.4).
// Plain fetch against /auth/v1 and /functions/v1/device-auth: no build step, no CDN.
(function () {
  'use strict';

  var config = readConfig();
  var projectUrl = String(config.supabaseUrl || '').replace(/\/+$/, '');
  var anonKey = String(config.anonKey || '');
  var STORAGE_KEY = 'session-device-auth';
  var state = { session: null, code: null };

  // The local backend inlines the settings as a JSON block in the page; a static host uses config.js.
  function readConfig() {
    var block = document.getElementById('session-device-config');
    if (block) {
      try {
        return JSON.parse(block.textContent || '{}');
      } catch (e) {
        return {};
      }
    }
    return window.SESSION_DEVICE_CONFIG || {};
  }

  // Any client with the anon key names itself: characters that are invisible or reorder text (bidi
  // overrides and isolates, zero-width, controls) are shown as <U+XXXX>, so a name cannot pose as another.
  var HIDDEN = /[\u0000-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb]/g;
  function visibleText(text) {
    return String(text == null ? '' : text).replace(HIDDEN, function (ch) {
      return '<U+' + ('000' + ch.charCodeAt(0).toString(16).toUpperCase()).slice(-4) + '>';
    });
  }

  function $(id) {
    return document.getElementById(id);
  }

  function show(ids) {
    ['signin', 'account', 'enter-code', 'confirm', 'done'].forEach(function (id) {
      $(id).hidden = ids.indexOf(id) < 0;
    });
  }

  function setStatus(text, kind) {
    var el = $('status');
    el.textContent = text || '';
    el.className = 'status' + (kind ? ' ' + kind : '');
    el.hidden = !text;
  }

  function busy(button, on) {
    if (button) button.disabled = on;
  }

  /** ABCD-EFGH from whatever was typed; null if it cannot be a code. */
  function normalizeCode(input) {
    var code = String(input || '').toUpperCase().replace(/[\s-]/g, '');
    if (!/^[BCDFGHJKLMNPQRSTVWXZ]{8}$/.test(code)) return null;
    return code.slice(0, 4) + '-' + code.slice(4);
  }

  function request(path, options) {
    options = options || {};
    var headers = { apikey: anonKey, 'X-Client-Info': 'session-device-page' };
    headers.Authorization = 'Bearer ' + (options.token || anonKey);
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (path.indexOf('/auth/v1/') === 0) headers['X-Supabase-Api-Version'] = '2024-01-01';
    return fetch(projectUrl + path, {
      method: options.method || 'GET',
      headers: headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    }).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try {
          data = text ? JSON.parse(text) : null;
        } catch (e) {
          data = { message: text };
        }
        return { status: res.status, ok: res.ok, data: data || {} };
      });
    });
  }

  function messageOf(res, fallback) {
    var d = res.data || {};
    return d.message || d.msg || d.error_description || d.error || fallback;
  }

  // ---- session ------------------------------------------------------------------------------

  function saveSession(session) {
    state.session = session;
    try {
      if (session) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
      else sessionStorage.removeItem(STORAGE_KEY);
    } catch (e) {
      /* storage may be disabled; the page still works for this load */
    }
  }

  function loadSession() {
    // Coming back from a magic link: the tokens are in the URL fragment.
    if (location.hash.indexOf('access_token=') >= 0) {
      var params = new URLSearchParams(location.hash.slice(1));
      history.replaceState(null, '', location.pathname + location.search);
      return { access_token: params.get('access_token'), email: null, expires_at: Number(params.get('expires_at')) || 0 };
    }
    try {
      var saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || 'null');
      if (saved && saved.access_token && saved.expires_at * 1000 > Date.now() + 30000) return saved;
    } catch (e) {
      /* ignore */
    }
    return null;
  }

  function signIn(event) {
    event.preventDefault();
    var email = $('email').value.trim();
    var password = $('password').value;
    if (!email || !password) {
      setStatus('Enter your email and password.', 'error');
      return;
    }
    var button = $('signin-button');
    busy(button, true);
    setStatus('Signing in…');
    request('/auth/v1/token?grant_type=password', { method: 'POST', body: { email: email, password: password } })
      .then(function (res) {
        if (!res.ok) {
          setStatus(res.data.code === 'invalid_credentials' ? 'Wrong email or password.' : messageOf(res, 'Sign-in failed.'), 'error');
          return;
        }
        $('password').value = '';
        saveSession({ access_token: res.data.access_token, email: res.data.user && res.data.user.email, expires_at: res.data.expires_at });
        setStatus('');
        signedIn();
      })
      .catch(function () {
        setStatus('Cannot reach the project. Check your connection and try again.', 'error');
      })
      .then(function () {
        busy(button, false);
      });
  }

  function sendMagicLink() {
    var email = $('email').value.trim();
    if (!email) {
      setStatus('Enter your email first.', 'error');
      return;
    }
    var button = $('magic-link-button');
    busy(button, true);
    var redirect = encodeURIComponent(location.origin + location.pathname + location.search);
    request('/auth/v1/otp?redirect_to=' + redirect, { method: 'POST', body: { email: email, create_user: false } })
      .then(function (res) {
        setStatus(res.ok ? 'Check your inbox for a sign-in link, then come back here.' : messageOf(res, 'Could not send a link.'), res.ok ? 'ok' : 'error');
      })
      .catch(function () {
        setStatus('Cannot reach the project. Check your connection and try again.', 'error');
      })
      .then(function () {
        busy(button, false);
      });
  }

  function signOut() {
    var token = state.session && state.session.access_token;
    saveSession(null);
    if (token) request('/auth/v1/logout?scope=local', { method: 'POST', token: token }).catch(function () {});
    setStatus('');
    show(['signin']);
  }

  function signedIn() {
    var after = function () {
      $('account-email').textContent = state.session.email || 'your account';
      var fromUrl = normalizeCode(new URLSearchParams(location.search).get('code'));
      if (fromUrl && !state.code) {
        $('user-code').value = fromUrl;
        lookup(fromUrl);
      } else {
        show(['account', 'enter-code']);
        $('user-code').focus();
      }
    };
    if (state.session.email) return after();
    // A magic-link return carries no email: ask Auth who this is (also proves the token works).
    request('/auth/v1/user', { token: state.session.access_token }).then(function (res) {
      if (!res.ok) return expired();
      state.session.email = res.data.email;
      saveSession(state.session);
      after();
    });
  }

  function expired() {
    saveSession(null);
    setStatus('Your sign-in on this page has ended. Sign in again.', 'error');
    show(['signin']);
  }

  // ---- the code -----------------------------------------------------------------------------

  function submitCode(event) {
    event.preventDefault();
    var code = normalizeCode($('user-code').value);
    if (!code) {
      setStatus('A code has 8 letters, like BCDF-GHJK.', 'error');
      return;
    }
    lookup(code);
  }

  function lookup(code) {
    setStatus('Looking up ' + code + '…');
    var button = $('lookup-button');
    busy(button, true);
    request('/functions/v1/device-auth/lookup?user_code=' + encodeURIComponent(code), { token: state.session.access_token })
      .then(function (res) {
        if (res.status === 401) return expired();
        if (!res.ok) {
          setStatus(messageOf(res, 'That code was not found.'), 'error');
          show(['account', 'enter-code']);
          return;
        }
        var found = res.data;
        if (found.status !== 'pending') {
          var why = { approved: 'was already approved', denied: 'was denied', used: 'was already used', expired: 'has expired' }[found.status] || 'cannot be used';
          setStatus('The code ' + found.user_code + ' ' + why + '. Run `session login` again for a new one.', 'error');
          show(['account', 'enter-code']);
          return;
        }
        state.code = found.user_code;
        $('confirm-code').textContent = found.user_code;
        $('confirm-client').textContent = visibleText(found.client_name);
        $('confirm-created').textContent = new Date(found.created_at).toLocaleString();
        $('confirm-expires').textContent = new Date(found.expires_at).toLocaleString();
        $('confirm-email').textContent = state.session.email || 'you';
        setStatus('');
        show(['account', 'confirm']);
        $('approve-button').focus();
      })
      .catch(function () {
        setStatus('Cannot reach the project. Check your connection and try again.', 'error');
      })
      .then(function () {
        busy(button, false);
      });
  }

  function decide(approve) {
    var approveButton = $('approve-button');
    var denyButton = $('deny-button');
    busy(approveButton, true);
    busy(denyButton, true);
    request('/functions/v1/device-auth/' + (approve ? 'approve' : 'deny'), {
      method: 'POST',
      token: state.session.access_token,
      body: { user_code: state.code },
    })
      .then(function (res) {
        if (res.status === 401) return expired();
        if (!res.ok) {
          setStatus(messageOf(res, 'That did not work.'), 'error');
          return;
        }
        setStatus('');
        $('done-text').textContent = approve
          ? 'Approved. The terminal is signed in as ' + (state.session.email || 'you') + '; you can close this tab.'
          : 'Denied. The terminal will stop waiting; nothing was signed in.';
        $('done').className = approve ? 'approved' : 'denied';
        state.code = null;
        show(['account', 'done']);
      })
      .catch(function () {
        setStatus('Cannot reach the project. Check your connection and try again.', 'error');
      })
      .then(function () {
        busy(approveButton, false);
        busy(denyButton, false);
      });
  }

  function otherCode() {
    state.code = null;
    setStatus('');
    $('user-code').value = '';
    show(['account', 'enter-code']);
    $('user-code').focus();
  }

  // ---- start --------------------------------------------------------------------------------

  function start() {
    // An approval page inside someone else's frame could be clicked through: refuse to work there.
    if (window.top !== window.self) {
      setStatus('This page cannot be used inside a frame. Open it directly.', 'error');
      return;
    }
    if (!projectUrl || !anonKey) {
      setStatus('This page is not configured: config.js (or the inline settings) must give the project URL and anon key.', 'error');
      return;
    }
    $('signin-form').addEventListener('submit', signIn);
    $('magic-link-button').addEventListener('click', sendMagicLink);
    $('signout-button').addEventListener('click', signOut);
    $('code-form').addEventListener('submit', submitCode);
    $('approve-button').addEventListener('click', function () {
      decide(true);
    });
    $('deny-button').addEventListener('click', function () {
      decide(false);
    });
    $('other-code-button').addEventListener('click', otherCode);
    $('user-code').addEventListener('input', function (e) {
      var raw = e.target.value.toUpperCase().replace(/[^A-Z]/g, '').slice(0, 8);
      e.target.value = raw.length > 4 ? raw.slice(0, 4) + '-' + raw.slice(4) : raw;
    });

    var session = loadSession();
    if (session) {
      state.session = session;
      signedIn();
    } else {
      show(['signin']);
      $('email').focus();
    }
  }

  start();
})();

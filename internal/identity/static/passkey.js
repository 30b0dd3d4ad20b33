// Passkeys for egov: registering one in the cabinet and signing in with
// one. A progressive enhancement: the markup explains that passkeys need
// JavaScript (data-passkey-fallback); this script hides that, shows the
// button and runs the WebAuthn ceremony against the server's JSON routes.
(function () {
  'use strict';

  function toBuffer(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    var bin = atob(s), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64URL(buf) {
    var bytes = new Uint8Array(buf), bin = '';
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function ServerError(message) { this.message = message; }

  function post(url, csrf, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body || {})
    }).then(function (resp) {
      return resp.json().catch(function () { return null; }).then(function (data) {
        if (!resp.ok) throw new ServerError(data && (data.detail || data.title));
        return data;
      });
    });
  }

  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = toBuffer(pk.challenge);
    pk.user.id = toBuffer(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return { publicKey: pk };
  }

  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = toBuffer(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return { publicKey: pk };
  }

  function credentialJSON(cred) {
    var r = cred.response, out = {
      id: cred.id,
      rawId: toBase64URL(cred.rawId),
      type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: toBase64URL(r.clientDataJSON) }
    };
    if (cred.authenticatorAttachment) out.authenticatorAttachment = cred.authenticatorAttachment;
    if (r.attestationObject) {
      out.response.attestationObject = toBase64URL(r.attestationObject);
      out.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      out.response.authenticatorData = toBase64URL(r.authenticatorData);
      out.response.signature = toBase64URL(r.signature);
      if (r.userHandle) out.response.userHandle = toBase64URL(r.userHandle);
    }
    return out;
  }

  function say(box, text) {
    var status = document.querySelector('[data-passkey-status]');
    if (status) status.textContent = text || '';
  }

  function failure(box, err) {
    if (err instanceof ServerError && err.message) return err.message;
    if (err && (err.name === 'NotAllowedError' || err.name === 'AbortError')) return box.dataset.msgCancelled;
    return box.dataset.msgFailed;
  }

  function bind(box, run) {
    var button = box.querySelector('button');
    button.addEventListener('click', function () {
      button.disabled = true;
      say(box, '');
      run().then(function (data) {
        window.location.assign(data.redirect);
      }, function (err) {
        button.disabled = false;
        say(box, failure(box, err));
      });
    });
  }

  function register(box) {
    var csrf = box.dataset.csrf, input = box.querySelector('input');
    return post('/cabinet/passkeys/register/begin', csrf).then(function (options) {
      return navigator.credentials.create(creationOptions(options));
    }).then(function (cred) {
      return post('/cabinet/passkeys/register/finish', csrf, { name: input ? input.value : '', credential: credentialJSON(cred) });
    });
  }

  function signin(box) {
    var csrf = box.dataset.csrf, next = box.dataset.next;
    return post('/auth/passkey/begin', csrf).then(function (options) {
      return navigator.credentials.get(requestOptions(options));
    }).then(function (cred) {
      return post('/auth/passkey/finish' + (next ? '?next=' + encodeURIComponent(next) : ''), csrf, credentialJSON(cred));
    });
  }

  function start() {
    var supported = !!(window.PublicKeyCredential && navigator.credentials && window.fetch);
    document.querySelectorAll('[data-passkey-fallback]').forEach(function (el) { el.hidden = true; });
    document.querySelectorAll('[data-passkey-unsupported]').forEach(function (el) { el.hidden = supported; });
    if (!supported) return;
    document.querySelectorAll('[data-passkey-register]').forEach(function (box) {
      box.hidden = false;
      bind(box, function () { return register(box); });
    });
    document.querySelectorAll('[data-passkey-signin]').forEach(function (box) {
      box.hidden = false;
      bind(box, function () { return signin(box); });
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();

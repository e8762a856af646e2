// The shop's own sign-in inside the widget (contract §8): the shop's page gives the widget a
// token its server signed (`data-identity-token`, or `Frontdesk.identify(token)` on a
// single-page site); the widget hands it to this frame by postMessage (never in the URL, which
// would reach logs and Referer headers); this module exchanges it at POST /api/auth/site and
// tells the page with an `fd:signed-in` event carrying {token, user}. Messages are taken only
// from the frame's own parent; the token is the credential, so no origin list is needed.
(function () {
  'use strict';
  if (window.parent === window) return;
  async function identify(siteToken) {
    const res = await fetch('/api/auth/site', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token: siteToken }),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      document.dispatchEvent(new CustomEvent('fd:identity-refused', { detail: data }));
      return;
    }
    document.dispatchEvent(new CustomEvent('fd:signed-in', {
      detail: { token: data.accessToken, user: data.user },
    }));
  }
  window.addEventListener('message', (e) => {
    if (e.source !== window.parent) return;
    const d = e.data;
    if (d && d.type === 'frontdesk:identify' && typeof d.token === 'string') identify(d.token);
  });
  window.parent.postMessage({ type: 'frontdesk:ready' }, '*');
})();

/* Frontdesk chat widget. Paste one line into your site:
     <script src="https://YOUR-FRONTDESK-HOST/widget.js" async></script>
   Optional attributes on that tag: data-lang="vi|en", data-position="left|right",
   data-color="#4f46e5", data-label="Chat with us", and data-identity-token="..." (a token the
   shop's server signed for its signed-in customer, README "The shop's own sign-in"); a
   single-page site that signs in later calls Frontdesk.identify(token).
   It adds a round button; pressing it opens the Frontdesk chat page in a small panel (an
   iframe of our /chat page), so the shop's page never handles the customer's messages. */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || window.__frontdeskWidget) return;
  window.__frontdeskWidget = true;
  var base = new URL(script.src).origin;
  var lang = script.getAttribute('data-lang') || (navigator.language || 'vi').slice(0, 2);
  lang = lang === 'en' ? 'en' : 'vi';
  var side = script.getAttribute('data-position') === 'left' ? 'left' : 'right';
  var color = script.getAttribute('data-color') || '#4f46e5';
  var label = script.getAttribute('data-label') || (lang === 'en' ? 'Chat with us' : 'Chat với chúng tôi');
  var closeLabel = lang === 'en' ? 'Close chat' : 'Đóng cửa sổ chat';

  function css(el, styles) { for (var k in styles) el.style[k] = styles[k]; return el; }

  var button = css(document.createElement('button'), {
    position: 'fixed', bottom: '20px', width: '60px', height: '60px', borderRadius: '50%',
    border: '0', background: color, color: '#fff', cursor: 'pointer', zIndex: '2147483000',
    boxShadow: '0 6px 20px rgba(0,0,0,.25)', display: 'flex', alignItems: 'center', justifyContent: 'center',
  });
  button.style[side] = '20px';
  button.type = 'button';
  button.setAttribute('aria-label', label);
  button.title = label;
  var ns = 'http://www.w3.org/2000/svg';
  var icon = document.createElementNS(ns, 'svg');
  icon.setAttribute('viewBox', '0 0 24 24');
  icon.setAttribute('width', '28');
  icon.setAttribute('height', '28');
  var path = document.createElementNS(ns, 'path');
  path.setAttribute('fill', 'currentColor');
  path.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
  icon.appendChild(path);
  button.appendChild(icon);

  var panel = css(document.createElement('div'), {
    position: 'fixed', bottom: '92px', width: '380px', height: '560px', maxWidth: 'calc(100vw - 24px)',
    maxHeight: 'calc(100vh - 120px)', borderRadius: '16px', overflow: 'hidden', background: '#fff',
    boxShadow: '0 12px 40px rgba(0,0,0,.28)', zIndex: '2147483000', display: 'none',
  });
  panel.style[side] = '20px';
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', label);
  var frame = null;
  var identity = script.getAttribute('data-identity-token') || null;
  var ready = false;

  /** Hands the shop's identity token to our frame, once it listens (postMessage, never the URL). */
  function sendIdentity() {
    if (identity && frame && ready) {
      frame.contentWindow.postMessage({ type: 'frontdesk:identify', token: identity }, base);
    }
  }
  window.addEventListener('message', function (e) {
    if (!frame || e.source !== frame.contentWindow || e.origin !== base) return;
    if (e.data && e.data.type === 'frontdesk:ready') { ready = true; sendIdentity(); }
  });
  window.Frontdesk = {
    /** Tells the chat who the shop's signed-in customer is (a token the shop's server signed). */
    identify: function (token) { identity = token; sendIdentity(); },
  };

  function open() {
    if (!frame) {
      frame = css(document.createElement('iframe'), { width: '100%', height: '100%', border: '0' });
      frame.title = label;
      frame.src = base + '/chat?embed=1&lang=' + lang;
      panel.appendChild(frame);
    }
    panel.style.display = 'block';
    button.setAttribute('aria-label', closeLabel);
    button.title = closeLabel;
  }
  function close() {
    panel.style.display = 'none';
    button.setAttribute('aria-label', label);
    button.title = label;
  }
  button.addEventListener('click', function () { panel.style.display === 'none' ? open() : close(); });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') close(); });

  function mount() { document.body.appendChild(panel); document.body.appendChild(button); }
  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);
})();

// Canned replies on the desk (contract §10): typing `/` at the start of the composer opens a
// listbox of the shop's stock answers filtered by what follows (`/ref` -> shortcuts starting
// with, then containing, "ref"). ArrowUp/ArrowDown move, Enter or Tab choose, Escape closes,
// a click chooses. Choosing replaces the composer's text with the reply, `{firstName}` filled
// with the customer's first name. `/note ` stays the private-note prefix: once a space follows
// the word, the picker is closed and the text is left alone. The composer keeps its textbox
// role (ARIA in HTML allows no `combobox` role on a <textarea>, and a textbox takes no
// aria-expanded, so axe refuses both): it says aria-autocomplete="list", aria-controls the
// listbox and points aria-activedescendant at the active `role="option"` while it is open.
window.FDCanned = function (input, list, options) {
  'use strict';
  const { firstName, api } = options;
  if (!input || !list) return null;
  let replies = [];
  let shown = [];
  let active = -1;
  api('GET', '/chat/canned-replies').then((r) => { replies = r; update(); }).catch(() => {});

  /** The word after a leading `/`, or null when the composer does not start a shortcut. */
  function query() {
    const m = /^\/([a-z0-9-]*)$/i.exec(input.value);
    return m ? m[1].toLowerCase() : null;
  }
  function matches(q) {
    const starts = replies.filter((r) => r.shortcut.startsWith(q));
    const within = replies.filter((r) => !r.shortcut.startsWith(q) && r.shortcut.includes(q));
    return starts.concat(within).slice(0, 8);
  }
  function close() {
    list.hidden = true;
    list.textContent = '';
    shown = [];
    active = -1;
    input.removeAttribute('aria-activedescendant');
  }
  function mark(i) {
    active = i;
    Array.from(list.children).forEach((li, j) => li.setAttribute('aria-selected', String(j === i)));
    if (i >= 0) {
      input.setAttribute('aria-activedescendant', 'canned-opt-' + shown[i].id);
      list.children[i].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }
  function update() {
    const q = query();
    if (q === null || !replies.length) return close();
    shown = matches(q);
    if (!shown.length) return close();
    list.textContent = '';
    shown.forEach((r, i) => {
      const li = document.createElement('li');
      li.id = 'canned-opt-' + r.id;
      li.setAttribute('role', 'option');
      li.dataset.shortcut = r.shortcut;
      const key = document.createElement('span');
      key.className = 'canned-key';
      key.textContent = '/' + r.shortcut;
      const text = document.createElement('span');
      text.className = 'canned-text';
      text.textContent = r.content;
      li.append(key, text);
      // mousedown, not click: the composer keeps the focus.
      li.addEventListener('mousedown', (e) => { e.preventDefault(); choose(i); });
      list.appendChild(li);
    });
    list.hidden = false;
    mark(0);
  }
  function fill(content) {
    return content.replace(/\{firstName\}/g, firstName || '');
  }
  function choose(i) {
    const r = shown[i];
    if (!r) return;
    input.value = fill(r.content);
    close();
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }
  input.addEventListener('input', update);
  input.addEventListener('blur', close);
  // Capture, so Enter chooses a reply before the composer would send the text.
  input.addEventListener('keydown', (e) => {
    if (list.hidden || !shown.length) return;
    if (e.key === 'ArrowDown') mark((active + 1) % shown.length);
    else if (e.key === 'ArrowUp') mark((active - 1 + shown.length) % shown.length);
    else if (e.key === 'Enter' || e.key === 'Tab') choose(active < 0 ? 0 : active);
    else if (e.key === 'Escape') close();
    else return;
    e.preventDefault();
    e.stopImmediatePropagation();
  }, true);
  return { close, fill };
};

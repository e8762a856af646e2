// The admin dashboard, live: when the staff feed of /chat announces a change (a session opened,
// claimed or ended, a room assigned or active), it fetches the server-rendered figures again
// and swaps them in. No polling; the server draws the numbers and the chart.
(function () {
  'use strict';
  if (!document.getElementById('figures')) return;
  const pill = document.getElementById('live-pill');
  let timer = null, busy = false, again = false;

  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const res = await fetch('/console/admin/figures', { credentials: 'same-origin' });
      if (res.redirected || res.status === 401 || res.status === 403) return location.reload();
      if (!res.ok) return;
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const fresh = doc.getElementById('figures');
      if (fresh) {
        const node = document.importNode(fresh, true);
        document.getElementById('figures').replaceWith(node);
        FD.localize(node);
        FD.tickAgo(node);
      }
    } finally {
      busy = false;
      if (again) { again = false; soon(); }
    }
  }
  function soon() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  }

  const socket = FD.connect(undefined, () => location.reload());
  socket.on('connect', () => { pill.classList.remove('off'); refresh(); });
  socket.on('disconnect', () => pill.classList.add('off'));
  socket.on('connect_error', () => pill.classList.add('off'));
  ['session_created', 'session_updated', 'room_updated'].forEach((e) => socket.on(e, soon));
})();

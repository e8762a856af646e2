// Files in a conversation (contract §9), shared by the customer page and the desk through
// conversation.js: picking files (the attach button, drag-and-drop onto the conversation,
// pasting into the composer), uploading each with its progress shown, and drawing a message's
// attachments: images as thumbnails that open full size, anything else as a link with its
// name and size. The server decides what is accepted; its refusal is shown as it words it.
// Elements, found by id: #composer-attach (button), #composer-file (input type=file),
// #attach-tray (list of uploads); the drop zone is the element passed in.
(function () {
  'use strict';
  const { t, fmt, el } = FD;

  /** A size as a person reads it: 820 B, 14 KB, 3.2 MB. */
  function size(bytes) {
    if (bytes < 1024) return bytes + ' B';
    if (bytes < 1024 * 1024) return Math.round(bytes / 1024) + ' KB';
    return (bytes / (1024 * 1024)).toFixed(1) + ' MB';
  }

  /** The list of a message's files, or null when it has none. */
  function render(files) {
    if (!files || !files.length) return null;
    const ul = el('ul', 'files');
    for (const f of files) {
      const li = el('li');
      if (f.contentType.startsWith('image/')) {
        const a = el('a', 'file-thumb');
        a.href = f.url;
        a.target = '_blank';
        a.rel = 'noopener';
        a.setAttribute('aria-label', fmt('open_full', { name: f.fileName }));
        const img = el('img');
        img.src = f.url;
        img.alt = f.fileName;
        img.loading = 'lazy';
        a.appendChild(img);
        li.appendChild(a);
      } else {
        const a = el('a', 'file-link', f.fileName);
        a.href = f.url;
        a.download = f.fileName;
        a.append(' ', el('span', 'file-size', '(' + size(f.size) + ')'));
        li.appendChild(a);
      }
      ul.appendChild(li);
    }
    return ul;
  }

  /**
   * Uploads for the composer of room `roomId`. `token` is the REST token; `dropZone` takes
   * dropped files; `onChange` is called whenever the set of finished or running uploads
   * changes. Returns {ids(), busy(), names(), clear(), enable(on)}.
   */
  function uploader(roomId, token, dropZone, onChange) {
    const $ = (id) => document.getElementById(id);
    const button = $('composer-attach'), input = $('composer-file'), tray = $('attach-tray');
    const text = $('composer-text');
    const items = []; // {file, li, id, xhr, done}
    let enabled = true;

    function changed() {
      tray.hidden = items.length === 0;
      onChange();
    }

    function remove(item) {
      if (item.xhr && !item.done) item.xhr.abort();
      item.li.remove();
      items.splice(items.indexOf(item), 1);
      changed();
    }

    function upload(file) {
      const li = el('li', 'upload');
      const name = el('span', 'upload-name', file.name || t.file);
      const bar = el('progress');
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute('aria-label', fmt('uploading', { name: file.name || t.file }));
      const drop = el('button', 'btn small ghost upload-remove', '×');
      drop.type = 'button';
      drop.setAttribute('aria-label', fmt('remove_file', { name: file.name || t.file }));
      li.append(name, ' ', el('span', 'file-size', size(file.size)), bar, drop);
      tray.appendChild(li);
      const item = { file, li, id: null, xhr: null, done: false };
      items.push(item);
      drop.addEventListener('click', () => remove(item));

      const form = new FormData();
      form.append('file', file, file.name || 'file');
      const xhr = new XMLHttpRequest();
      item.xhr = xhr;
      xhr.open('POST', '/api/chat/rooms/' + roomId + '/attachments');
      xhr.setRequestHeader('Authorization', 'Bearer ' + (token || FD.token));
      xhr.responseType = 'json';
      xhr.upload.addEventListener('progress', (e) => {
        if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
      });
      xhr.addEventListener('load', () => {
        const body = xhr.response || {};
        if (xhr.status === 201) {
          item.id = body.id;
          item.done = true;
          bar.value = 100;
          li.classList.add('ready');
        } else {
          FD.toast(fmt('upload_failed', { name: file.name || t.file, reason: body.message || xhr.status }), 'error');
          remove(item);
          return;
        }
        changed();
      });
      xhr.addEventListener('error', () => {
        FD.toast(fmt('upload_failed', { name: file.name || t.file, reason: t.reconnecting }), 'error');
        remove(item);
      });
      xhr.send(form);
      changed();
    }

    function take(files) {
      if (!enabled) return;
      Array.from(files || []).forEach(upload);
    }

    button.addEventListener('click', () => input.click());
    input.addEventListener('change', () => { take(input.files); input.value = ''; });
    text.addEventListener('paste', (e) => {
      const files = Array.from((e.clipboardData && e.clipboardData.files) || []);
      if (files.length) { e.preventDefault(); take(files); }
    });
    dropZone.addEventListener('dragover', (e) => {
      if (!enabled || !e.dataTransfer || !Array.from(e.dataTransfer.types).includes('Files')) return;
      e.preventDefault();
      dropZone.classList.add('dropping');
    });
    dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dropping'));
    dropZone.addEventListener('drop', (e) => {
      dropZone.classList.remove('dropping');
      if (!e.dataTransfer || !e.dataTransfer.files.length) return;
      e.preventDefault();
      take(e.dataTransfer.files);
    });

    return {
      /** The ids of finished uploads, in the order they were picked. */
      ids: () => items.filter((i) => i.done).map((i) => i.id),
      names: () => items.filter((i) => i.done).map((i) => i.file.name || t.file),
      /** Whether an upload is still on its way (sending waits for it). */
      busy: () => items.some((i) => !i.done),
      /** Empties the tray once its files went out with a message. */
      clear() { items.filter((i) => i.done).forEach((i) => { i.li.remove(); items.splice(items.indexOf(i), 1); }); changed(); },
      enable(on) {
        enabled = on;
        button.disabled = !on;
        if (!on) items.slice().forEach(remove);
      },
    };
  }

  window.FDAttachments = { render, uploader, size };
})();

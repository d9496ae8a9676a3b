// Briefing editor: live preview (rendered safely on the server) and autosave with a visible state.
(function () {
  "use strict";
  var root = document.getElementById("editor-root");
  if (!root) return;
  var area = document.getElementById("markdown");
  var preview = document.getElementById("preview");
  var state = document.getElementById("save-state");
  var title = document.getElementById("draft-title");
  var csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var revision = parseInt(root.getAttribute("data-revision"), 10);
  var savedText = area.value;
  var saveTimer = null, previewTimer = null, inFlight = false, retryDelay = 1000, stopped = false;
  var previewAsked = 0; // answers can arrive out of order: only the newest request may paint

  function show(kind, key) {
    state.setAttribute("data-state", kind);
    state.textContent = window.cafeT(key);
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    });
  }

  function save() {
    saveTimer = null;
    if (stopped || inFlight) return;
    var text = area.value;
    if (text === savedText) { show("saved", "saved"); return; }
    inFlight = true;
    show("saving", "saving");
    post(root.getAttribute("data-save"), { markdown: text, revision: revision })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { status: response.status, data: data };
        });
      })
      .then(function (answer) {
        inFlight = false;
        if (answer.status === 200) {
          revision = answer.data.revision;
          savedText = text;
          retryDelay = 1000;
          if (area.value !== savedText) { schedule(300); } else { show("saved", "saved"); }
        } else if (answer.status === 409) {
          stopped = true;
          show("error", "conflict");
        } else if (answer.status === 413) {
          show("error", "too_long");
        } else {
          // Offline, server restarting, logged out: the text stays here and saving retries.
          retry();
        }
      })
      .catch(function () { inFlight = false; retry(); });
  }

  function retry() {
    show("error", "retrying");
    schedule(retryDelay);
    retryDelay = Math.min(retryDelay * 2, 30000);
  }

  function schedule(ms) {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(save, ms);
  }

  function refreshPreview() {
    previewTimer = null;
    var text = area.value;
    var asked = ++previewAsked;
    preview.setAttribute("aria-busy", "true");
    post(root.getAttribute("data-preview"), { markdown: text })
      .then(function (response) {
        if (!response.ok) throw new Error("preview " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (asked !== previewAsked) return; // a newer preview is on its way
        preview.innerHTML = data.html; // sanitised on the server: no raw HTML, images or unsafe links
        preview.removeAttribute("data-error");
        preview.setAttribute("aria-busy", "false");
      })
      .catch(function () {
        if (asked !== previewAsked) return;
        preview.setAttribute("aria-busy", "false");
        preview.setAttribute("data-error", window.cafeT("preview_failed"));
      });
  }

  function updateTitle() {
    var match = /^# (.+)$/m.exec(area.value);
    if (match && title) title.textContent = match[1].trim();
  }

  area.addEventListener("input", function () {
    if (!stopped) show("unsaved", "unsaved");
    updateTitle();
    if (previewTimer) clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, 300);
    if (!stopped) schedule(1000);
  });

  window.addEventListener("beforeunload", function (event) {
    if (area.value !== savedText) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  window.addEventListener("online", function () { if (area.value !== savedText) schedule(0); });
})();

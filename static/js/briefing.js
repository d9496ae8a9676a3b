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
  var loginAgain = document.getElementById("login-again");
  var saveTimer = null, previewTimer = null, inFlight = false, retryDelay = 1000, stopped = false;
  // Logged out (in another tab, or the session ended): the text stays here, the page asks for a
  // fresh CSRF token until the person has logged in again, then saves with it.
  var loggedOut = false, tokenRefreshed = false;
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
    if (loggedOut) { checkSession(); return; }
    var text = area.value;
    if (text === savedText) { show("saved", "saved"); return; }
    inFlight = true;
    show("saving", "saving");
    post(root.getAttribute("data-save"), { markdown: text, revision: revision })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { status: response.status, data: data, redirected: response.redirected };
        });
      })
      .then(function (answer) {
        inFlight = false;
        if (answer.status === 200 && !answer.redirected && typeof answer.data.revision === "number") {
          revision = answer.data.revision;
          savedText = text;
          retryDelay = 1000;
          tokenRefreshed = false;
          if (area.value !== savedText) { schedule(300); } else { show("saved", "saved"); }
        } else if (answer.status === 409) {
          stopped = true;
          show("error", "conflict");
        } else if (answer.status === 413) {
          show("error", "too_long");
        } else if (answer.redirected || answer.status === 200 || answer.status === 400 ||
                   answer.status === 401 || answer.status === 403) {
          // A stale CSRF token (400) or a login page instead of an answer: logged out, or logged
          // in again elsewhere with a new token.
          checkSession();
        } else {
          // Offline or the server restarting: the text stays here and saving retries.
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

  function checkSession() {
    fetch(root.getAttribute("data-session"), {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" }
    })
      .then(function (response) {
        if (response.redirected || response.status === 401 || response.status === 403) return null;
        if (!response.ok) throw new Error("session " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (!data || typeof data.csrf !== "string") { showLoggedOut(); return; }
        csrf = data.csrf;
        if (loggedOut) {
          loggedOut = false;
          loginAgain.hidden = true;
          tokenRefreshed = false;
        }
        if (area.value === savedText) { show("saved", "saved"); return; }
        if (!tokenRefreshed) { tokenRefreshed = true; schedule(0); } else { retry(); }
      })
      .catch(function () { retry(); });
  }

  function showLoggedOut() {
    loggedOut = true;
    show("error", "logged_out");
    loginAgain.hidden = false;
    schedule(3000);
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
    if (!stopped && !loggedOut) show("unsaved", "unsaved");
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
  // Back from logging in again in another tab: try at once rather than at the next poll.
  window.addEventListener("focus", function () { if (loggedOut) schedule(0); });
  document.addEventListener("visibilitychange", function () {
    if (loggedOut && document.visibilityState === "visible") schedule(0);
  });
})();

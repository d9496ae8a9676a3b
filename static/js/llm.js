// The language-model panel of the briefing editor: start, follow the progress bar, cancel.
(function () {
  "use strict";
  var panel = document.getElementById("llm-panel");
  if (!panel) return;
  var bar = document.getElementById("llm-bar");
  var message = document.getElementById("llm-message");
  var box = document.getElementById("llm-progress");
  var outcome = document.getElementById("llm-outcome");
  var start = document.getElementById("llm-start");
  var timer = null;

  function csrf() {
    return document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  }

  function post(form) {
    return fetch(form.action, {
      method: "POST", credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf() }
    }).then(function (r) { return r.json().then(function (d) { return { ok: r.ok, data: d }; }); });
  }

  function paint(state) {
    var running = state && (state.status === "starting" || state.status === "running");
    box.hidden = !running;
    if (start) start.disabled = !!running;
    if (!state) return;
    bar.value = state.progress || 0;
    message.textContent = state.message || "";
    if (state.status === "failed") {
      outcome.textContent = state.error || "";
      outcome.className = "error";
    } else if (state.status === "cancelled") {
      outcome.textContent = message.textContent;
      outcome.className = "";
    } else if (state.status === "done") {
      // The draft has a new version: show it (the editor's text is stale now).
      window.location.reload();
    }
  }

  function poll() {
    fetch(panel.getAttribute("data-status"), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        paint(data.pass);
        var p = data.pass;
        if (p && (p.status === "starting" || p.status === "running")) timer = setTimeout(poll, 1000);
      })
      .catch(function () { timer = setTimeout(poll, 3000); });
  }

  function intercept(id) {
    var form = document.getElementById(id);
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      post(form).then(function (answer) {
        if (!answer.ok) {
          outcome.textContent = answer.data.error || "";
          outcome.className = "error";
          return;
        }
        outcome.textContent = "";
        paint(answer.data.pass);
        clearTimeout(timer);
        poll();
      });
    });
  }

  intercept("llm-start-form");
  intercept("llm-cancel-form");
  if (panel.getAttribute("data-running") === "yes") poll();
})();

// Staff synthesis workspace: follow a running synthesis (polling run.json) and show its progress.
(function () {
  "use strict";
  var root = document.getElementById("workspace");
  if (!root) return;
  var bar = document.getElementById("progress");
  var fill = document.getElementById("progress-bar");
  var message = document.getElementById("run-message");
  var state = document.getElementById("run-state");
  var button = document.getElementById("run-button");
  var running = { queued: true, running: true };
  var SPEAK_EVERY = 5000;
  var spoken = { step: null, at: 0 };

  function show(run) {
    if (!run || !bar) return;
    var percent = Math.round(run.progress * 100);
    state.hidden = false;
    bar.setAttribute("aria-valuenow", String(percent));
    fill.style.width = percent + "%";  // CSSOM, allowed by the CSP (no inline style attribute)
    root.dataset.status = run.status;
    if (button) button.disabled = !!running[run.status];
    var cancel = document.getElementById("cancel-form");
    if (cancel) cancel.hidden = !running[run.status];
    if (run.status === "failed") {
      message.className = "error";
      message.textContent = window.cafeT("run_failed", { message: run.message });
    } else if (run.status === "cancelled") {
      message.className = "status";
      message.textContent = window.cafeT("stopped");
    } else if (running[run.status]) {
      message.className = "status";
      // The message is a polite live region: say each new step at once, but a step's own
      // counts ("Encoding the notes: 256 of 10000", the percentage) at most every SPEAK_EVERY
      // ms, so a screen reader is not talked over; the progress bar itself is always current.
      var step = String(run.message).replace(/[0-9]+/g, "#");
      var now = Date.now();
      if (step !== spoken.step || now - spoken.at >= SPEAK_EVERY) {
        message.textContent = window.cafeT("running", { message: run.message, percent: percent });
        spoken = { step: step, at: now };
      }
    }
  }

  function poll(wasRunning) {
    fetch(root.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (data) {
        var run = data.run;
        show(run);
        if (run && running[run.status]) {
          window.setTimeout(function () { poll(true); }, 700);
        } else if (wasRunning && run && run.status === "done") {
          message.textContent = window.cafeT("finished", { message: run.message });
          window.location.reload();
        } else if (wasRunning && run) {
          // Failed or cancelled: the page shows the reason and "Run again".
          window.location.reload();
        }
      })
      .catch(function () {
        message.className = "error";
        message.textContent = window.cafeT("lost_contact");
        window.setTimeout(function () { poll(wasRunning); }, 2000);
      });
  }

  // After an action the server sends the page back with a fragment: the next note ("#n-12"), the
  // message ("#flash") or a new theme ("#theme-7"). Focus it, so keyboard users keep their place,
  // and put the message into the live region again after load so screen readers announce it (a
  // live region's content present at load is not read out).
  var flash = document.getElementById("flash");
  var target = /^#(n-[0-9]+|flash|theme-[0-9]+)$/.test(window.location.hash)
    ? document.getElementById(window.location.hash.slice(1)) : null;
  if (target) target.focus();
  if (flash && flash.children.length) {
    var said = Array.prototype.slice.call(flash.children);
    said.forEach(function (p) { flash.removeChild(p); });
    window.setTimeout(function () {
      said.forEach(function (p) { flash.appendChild(p); });
    }, 150);
  }

  // An action sent while the server is down would leave for the browser's "can't be reached"
  // page, and what was typed with it. So each action form first asks the status address (with a
  // short time limit); only if the server answers does the form go, as it would without script.
  // If not, the page stays as it is and the message says so. Any answer counts: a login page or
  // an error is the server's to show, as without script.
  var CHECK_MS = 4000;
  var checking = false, passing = null;

  function notAnswering() {
    if (!flash) return;
    while (flash.firstChild) flash.removeChild(flash.firstChild);
    var p = document.createElement("p");
    p.className = "error";
    p.id = "server-down";
    p.textContent = window.cafeT("server_down");
    flash.appendChild(p);
    flash.focus();
  }

  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.tagName !== "FORM" || (form.method || "").toLowerCase() !== "post") return;
    if (passing === form) { passing = null; return; }  // checked: let it go
    event.preventDefault();
    if (checking) return;
    checking = true;
    var submitter = event.submitter || null;
    var controller = window.AbortController ? new window.AbortController() : null;
    var timer = window.setTimeout(function () { if (controller) controller.abort(); }, CHECK_MS);
    fetch(root.dataset.statusUrl, {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
      signal: controller ? controller.signal : undefined
    })
      .then(function () {
        window.clearTimeout(timer);
        checking = false;
        passing = form;
        if (form.requestSubmit) {
          form.requestSubmit(submitter);
        } else {
          passing = null;
          form.submit();
        }
      })
      .catch(function () {
        window.clearTimeout(timer);
        checking = false;
        notAnswering();
      });
  });

  if (bar) fill.style.width = bar.getAttribute("aria-valuenow") + "%";
  if (running[root.dataset.status]) poll(true);
})();

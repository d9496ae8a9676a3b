// The participant's phone: notice -> table -> write notes. Every note goes into the outbox first
// and leaves it only when the server's ack (sent after its commit) arrives. See docs/PROTOCOL.md.
(function () {
  "use strict";
  var app = document.getElementById("app");
  if (!app) return;
  var slug = app.dataset.slug;
  var presetTable = parseInt(app.dataset.table, 10) || null;
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  var t = window.cafeT;
  var passedRound = null;  // the round whose question this person passed on, if any
  var CONSENT_LABELS = { quote: t("consent_quote"), paraphrase: t("consent_paraphrase"), none: t("consent_none") };
  var MAX_DELAY = 30000;

  var socket = null, state = null, maxChars = 2000;
  var saved = {};        // client_id -> note as the server has it
  var waiting = {};      // client_id -> outbox entry
  var failed = {};       // client_id -> reason the server refused it
  var inflight = {};
  var attempt = 0, retryTimer = null;
  var rotation = new CafeRotation({
    getState: function () { return state; },
    chooseTable: function (number) { chooseTable(number); }
  });
  var countdown = new CafeCountdown(document.getElementById("timer"), document.getElementById("timer-say"));

  function $(id) { return document.getElementById(id); }
  function show(id) {
    ["notice", "tables", "write", "goodbye", "closed"].forEach(function (s) { $(s).hidden = s !== id; });
  }
  function focusHeading(section) {
    var h = $(section).querySelector("h1");
    if (h) { h.setAttribute("tabindex", "-1"); h.focus(); }
  }
  function setNet(text, bad) {
    var net = $("net");
    net.textContent = text;
    net.classList.toggle("bad", !!bad);
  }
  function showError(id, message) {
    var el = $(id);
    el.textContent = message || "";
    el.hidden = !message;
  }

  // ---- joining ---------------------------------------------------------------------------------
  function join() {
    var button = $("continue");
    button.disabled = true;
    showError("notice-error", "");
    fetch(app.dataset.joinUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ table: presetTable })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok || !result.body.ok) throw new Error(result.body.error || t("could_not_join"));
      connect();
    }).catch(function (error) {
      button.disabled = false;
      showError("notice-error", error instanceof TypeError ? t("no_network") : error.message);
    });
  }

  // ---- the socket ------------------------------------------------------------------------------
  function connect() {
    if (socket) return;
    setNet(t("connecting"));
    socket = io("/participant", { auth: { event: slug }, reconnectionDelayMax: 10000 });
    socket.on("connect", function () { setNet(t("connected")); });
    socket.on("disconnect", function () {
      setNet(t("offline"), true);
    });
    socket.on("connect_error", function (error) {
      if (error && error.data && error.data.code === "join") {
        // The phone's pass expired or was never made: show the notice again.
        socket.close(); socket = null;
        $("continue").disabled = false;
        show("notice");
        return;
      }
      setNet(t("unreachable"), true);
    });
    socket.on("state", onState);
    socket.on("round_changed", function (data) {
      if (!state) return;
      state.event.clock = data.clock; state.event.round = data.round; state.event.server_time = data.server_time;
      if (data.clock.phase === "closed") { state.event.status = "closed"; show("closed"); return; }
      if (passedRound !== null && passedRound !== data.round.number) {  // a new question: offer it
        passedRound = null; $("note-form").hidden = false; $("passed").hidden = true;
      }
      if (state.me.table) drawWrite();
      saveShell();
    });
    socket.on("hold_changed", function (data) { drawHold(data.message); });
    socket.on("message_sent", function (data) {
      $("message-text").textContent = data.text;
      $("message").hidden = false;
    });
    socket.on("own_note_changed", function (data) { saved[data.note.client_id] = data.note; render(); });
    socket.on("table_changed", function (data) {
      if (!state) return;
      var had = state.me.table;
      state.me.table = data.table;
      saveShell();
      if (had) { drawWhere(); rotation.draw(); rotation.tableChanged(had, data.table); } else { drawWrite(); flush(); }
    });
    socket.on("left_changed", function (data) {
      if (!state || !!state.me.left === data.left) return;
      if (data.left) { state.me.table = null; showGoodbye(); }
      else { state.me.left = false; }  // table_changed follows with the table they were given
      saveShell();
    });
    rotation.bind(socket);
  }

  // ---- leaving and coming back -----------------------------------------------------------------
  function showGoodbye() {
    state.me.left = true;
    $("leave-confirm").hidden = true;
    $("leave").setAttribute("aria-expanded", "false");
    show("goodbye");
    $("goodbye-title").focus();
  }
  function leaveOrReturn(event, errorId, done) {
    showError(errorId, "");
    if (!socket || !socket.connected) { showError(errorId, t("not_connected")); return; }
    socket.timeout(15000).emit(event, {}, function (err, ack) {
      if (err || !ack.ok) { showError(errorId, err ? t("no_answer") : ack.error); return; }
      done(ack);
      saveShell();
    });
  }
  $("leave").addEventListener("click", function () {
    var open = $("leave-confirm").hidden;
    $("leave-confirm").hidden = !open;
    $("leave").setAttribute("aria-expanded", String(open));
    if (open) $("leave-yes").focus();
  });
  $("leave-no").addEventListener("click", function () {
    $("leave-confirm").hidden = true;
    $("leave").setAttribute("aria-expanded", "false");
    $("leave").focus();
  });
  $("leave-yes").addEventListener("click", function () {
    leaveOrReturn("leave_cafe", "leave-error", function () { state.me.table = null; showGoodbye(); });
  });
  $("come-back").addEventListener("click", function () {
    leaveOrReturn("come_back", "back-error", function (ack) {
      state.me.left = false;
      state.me.table = ack.table;
      drawWrite();
    });
  });

  // The round, table and question (never note text) survive a reload in this tab, so a phone
  // that reloads with no network can still take notes.
  var SHELL_KEY = "cafe-shell-" + slug;
  function saveShell() {
    try { sessionStorage.setItem(SHELL_KEY, JSON.stringify({ event: state.event, me: state.me, max_chars: maxChars, notes: [] })); } catch (e) { /* storage full or off */ }
  }
  function loadShell() {
    try { return JSON.parse(sessionStorage.getItem(SHELL_KEY) || "null"); } catch (e) { return null; }
  }

  function onState(data) {
    state = data;
    maxChars = data.max_chars;
    saved = {};
    data.notes.forEach(function (n) { saved[n.client_id] = n; });
    drawHold(data.event.hold);
    if (data.event.status !== "open") { show("closed"); return; }
    if (data.me.left) { showGoodbye(); }
    else if (!data.me.table && presetTable) { chooseTable(presetTable); }
    else if (!data.me.table) { drawTables(); show("tables"); focusHeading("tables"); }
    else { drawWrite(); rotation.claimFromLink(parseInt(app.dataset.table, 10) || data.me.table); }
    saveShell();
    syncOutbox();
  }

  // ---- tables ----------------------------------------------------------------------------------
  function drawTables() {
    var list = $("table-list");
    list.textContent = "";
    state.event.tables.forEach(function (t) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "table-choice";
      b.textContent = t.number + " · " + t.name;
      b.addEventListener("click", function () { chooseTable(t.number); });
      list.appendChild(b);
    });
  }

  function chooseTable(number) {
    if (!socket || !socket.connected) { showError("tables-error", t("not_connected")); return; }
    rotation.expect(number);  // their own choice: no "your table has changed"
    socket.timeout(15000).emit("choose_table", { table: number }, function (err, ack) {
      if (err || !ack.ok) { showError("tables-error", err ? t("no_answer") : ack.error); drawTables(); show("tables"); return; }
      presetTable = null;
      state.me.table = ack.table;
      saveShell();
      drawWrite();
      flush();
      rotation.claimFromLink(ack.table);
    });
  }

  function tableName(number) {
    var table = (state.event.tables || []).filter(function (x) { return x.number === number; })[0];
    return table ? t("table_named", { number: table.number, name: table.name }) : t("table", { number: number });
  }

  function drawWhere() {
    $("where-table").textContent = tableName(state.me.table);
    $("where-round").textContent = t("round_of", { number: state.event.round.number, count: state.event.round.count });
  }

  function drawHold(message) {
    var wasHidden = $("hold").hidden;
    $("hold").hidden = !message;
    $("hold-text").textContent = message === t("hold_default") ? "" : message || "";  // the heading says it
    $("app").classList.toggle("holding", !!message);
    if (message && wasHidden) $("hold-title").focus();
  }

  function drawWrite() {
    var wasHidden = $("write").hidden;
    drawWhere();
    countdown.update(state.event.clock, state.event.server_time, state.event.round);
    var questions = state.event.round.questions || {};
    $("question").textContent = questions[app.dataset.lang] || state.event.round.question;
    var warning = state.event.round.content_warning;
    $("round-warning").textContent = warning ? t("content_warning", { warning: warning }) : "";
    $("round-warning").hidden = !warning;
    show("write");
    updateCount();
    render();
    rotation.draw();
    if (wasHidden) focusHeading("write");
  }

  // ---- writing notes ---------------------------------------------------------------------------
  function consentChoice() {
    var checked = document.querySelector("input[name=consent]:checked");
    return checked ? checked.value : "paraphrase";
  }

  function updateCount() {
    var n = $("note-text").value.length;
    $("note-count").textContent = n > maxChars * 0.8 ? t("characters", { count: n, limit: maxChars }) : "";
  }

  function submitNote(event) {
    event.preventDefault();
    var text = $("note-text").value.trim();
    if (!text) { showError("note-error", t("empty")); return; }
    if (text.length > maxChars) { showError("note-error", t("too_long", { count: text.length, limit: maxChars })); return; }
    showError("note-error", "");
    var entry = {
      client_id: CafeOutbox.newClientId(), slug: slug, text: text, consent: consentChoice(),
      table: state.me.table, round: state.event.round.number, created: Date.now()
    };
    // Clear the box at once so a quick next note is never wiped by this one's storage callback.
    $("note-text").value = "";
    updateCount();
    CafeOutbox.put(entry).then(function () {
      waiting[entry.client_id] = entry;
      render();
      flush();
    }).catch(function () {
      if (!$("note-text").value) $("note-text").value = entry.text;
      showError("note-error", t("not_kept"));
    });
  }

  function send(entry) {
    inflight[entry.client_id] = true;
    var payload = { client_id: entry.client_id, text: entry.text, consent: entry.consent,
                    table: entry.table, round: entry.round };
    socket.timeout(15000).emit("submit_note", payload, function (err, ack) {
      delete inflight[entry.client_id];
      if (err) { scheduleRetry(); return; }
      if (ack.ok) {
        attempt = 0;
        saved[entry.client_id] = ack.note;
        delete waiting[entry.client_id];
        delete failed[entry.client_id];
        CafeOutbox.remove(entry.client_id);
        render();
        if (ack.support) { $("support").hidden = false; $("support").focus(); }
      } else if (ack.code === "server" || ack.code === "slow_down") {
        scheduleRetry();
      } else {
        failed[entry.client_id] = ack.error;
        render();
      }
    });
  }

  function flush() {
    // Someone who left sits nowhere, but the notes still waiting on their phone are sent.
    if (!socket || !socket.connected || !state || !(state.me.table || state.me.left)) return;
    Object.keys(waiting).forEach(function (id) {
      if (!inflight[id] && !failed[id]) send(waiting[id]);
    });
  }

  function scheduleRetry() {
    clearTimeout(retryTimer);
    var delay = Math.min(MAX_DELAY, 1000 * Math.pow(2, attempt)) * (0.5 + Math.random());
    attempt = Math.min(attempt + 1, 10);
    retryTimer = setTimeout(flush, delay);
  }

  // On every (re)connect: ask which waiting notes the server already has, drop those, send the rest.
  function syncOutbox() {
    CafeOutbox.all(slug).then(function (entries) {
      entries.forEach(function (e) { waiting[e.client_id] = e; });
      var ids = Object.keys(waiting).slice(0, 500);
      if (!ids.length) { render(); return; }
      socket.timeout(15000).emit("sync_notes", { client_ids: ids }, function (err, ack) {
        if (!err && ack.ok) {
          ack.saved.forEach(function (n) {
            saved[n.client_id] = n;
            delete waiting[n.client_id];
            CafeOutbox.remove(n.client_id);
          });
        }
        render();
        flush();
      });
    });
  }

  // ---- own notes -------------------------------------------------------------------------------
  function badge(text, kind) {
    var s = document.createElement("span");
    s.className = "badge " + kind;
    s.textContent = text;
    return s;
  }

  function button(label, handler, describedBy) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (describedBy) b.setAttribute("aria-describedby", describedBy);
    b.addEventListener("click", handler);
    return b;
  }

  function render() {
    var list = $("mine");
    list.textContent = "";
    var items = [];
    Object.keys(waiting).forEach(function (id) { items.push({ entry: waiting[id], waiting: true }); });
    Object.keys(saved).forEach(function (id) { if (!waiting[id]) items.push({ entry: saved[id], waiting: false }); });
    items.sort(function (a, b) { return (b.entry.id || 1e12 + b.entry.created) - (a.entry.id || 1e12 + a.entry.created); });
    items.forEach(function (item) { list.appendChild(noteItem(item.entry, item.waiting)); });
    $("mine-empty").hidden = items.length > 0;
  }

  function noteItem(note, isWaiting) {
    var li = document.createElement("li");
    var textId = "note-" + note.client_id;
    var p = document.createElement("p");
    p.id = textId;
    p.className = "note-text";
    p.dir = "auto"; // each note takes the direction of its own script
    var withdrawn = note.status === "withdrawn";
    p.textContent = withdrawn ? t("withdrawn_text") : note.text;
    li.appendChild(p);
    var meta = document.createElement("p");
    meta.className = "meta";
    if (failed[note.client_id]) meta.appendChild(badge(t("not_sent", { reason: failed[note.client_id] }), "bad"));
    else if (isWaiting) meta.appendChild(badge(t("waiting"), "waiting"));
    else meta.appendChild(badge(withdrawn ? t("withdrawn") : t("saved"), withdrawn ? "muted" : "saved"));
    if (!withdrawn) meta.appendChild(badge(CONSENT_LABELS[note.consent] || "", "muted"));
    li.appendChild(meta);
    var actions = document.createElement("p");
    actions.className = "actions";
    if (!isWaiting && !withdrawn) {
      actions.appendChild(button(t("edit"), function () { editNote(li, note); }, textId));
      actions.appendChild(button(t("withdraw"), function () { withdrawNote(note); }, textId));
    } else if (failed[note.client_id]) {
      actions.appendChild(button(t("discard"), function () {
        delete waiting[note.client_id]; delete failed[note.client_id];
        CafeOutbox.remove(note.client_id); render();
      }, textId));
    }
    li.appendChild(actions);
    return li;
  }

  function editNote(li, note) {
    li.textContent = "";
    var id = "edit-" + note.id;
    var label = document.createElement("label");
    label.setAttribute("for", id);
    label.textContent = t("edit_label");
    var area = document.createElement("textarea");
    area.id = id;
    area.rows = 4;
    area.value = note.text;
    area.dir = "auto";
    var consent = document.createElement("select");
    consent.setAttribute("aria-label", t("may_quote"));
    Object.keys(CONSENT_LABELS).forEach(function (k) {
      var o = document.createElement("option");
      o.value = k; o.textContent = CONSENT_LABELS[k]; o.selected = k === note.consent;
      consent.appendChild(o);
    });
    var error = document.createElement("p");
    error.className = "error"; error.setAttribute("role", "alert"); error.hidden = true;
    var actions = document.createElement("p");
    actions.className = "actions";
    actions.appendChild(button(t("save"), function () {
      if (!socket || !socket.connected) { error.textContent = t("offline_retry"); error.hidden = false; return; }
      socket.timeout(15000).emit("edit_note", { id: note.id, text: area.value, consent: consent.value }, function (err, ack) {
        if (err || !ack.ok) { error.textContent = err ? t("no_answer") : ack.error; error.hidden = false; return; }
        saved[ack.note.client_id] = ack.note;
        render();
      });
    }));
    actions.appendChild(button(t("cancel"), render));
    [label, area, consent, error, actions].forEach(function (el) { li.appendChild(el); });
    area.focus();
  }

  function withdrawNote(note) {
    if (!window.confirm(t("confirm_withdraw"))) return;
    if (!socket || !socket.connected) { window.alert(t("offline_retry")); return; }
    socket.timeout(15000).emit("withdraw_note", { id: note.id }, function (err, ack) {
      if (!err && ack.ok) { saved[ack.note.client_id] = ack.note; render(); }
    });
  }

  // ---- wiring ----------------------------------------------------------------------------------
  var cont = $("continue");
  // The button is disabled in the HTML until this script is wired, so an early tap is never lost.
  if (cont) { cont.addEventListener("click", join); cont.disabled = false; }
  $("note-form").addEventListener("submit", submitNote);
  $("note-text").addEventListener("input", updateCount);
  $("change-table").addEventListener("click", function () { drawTables(); show("tables"); focusHeading("tables"); });
  $("message-close").addEventListener("click", function () { $("message").hidden = true; });
  $("move-choose").addEventListener("click", function () { drawTables(); show("tables"); focusHeading("tables"); });
  $("support-close").addEventListener("click", function () { $("support").hidden = true; $("note-text").focus(); });
  // Passing is offered on every question and stays on this phone: nothing is sent or recorded.
  function setPassed(passed) {
    passedRound = passed && state ? state.event.round.number : null;
    $("note-form").hidden = passed;
    $("passed").hidden = !passed;
    if (passed) $("passed").focus(); else $("note-text").focus();
  }
  $("pass").addEventListener("click", function () { setPassed(true); });
  $("unpass").addEventListener("click", function () { setPassed(false); });
  window.addEventListener("online", flush);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/e/sw.js").then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      // This page and its files loaded before the worker was in charge: keep copies of them now.
      var files = [location.href];
      document.querySelectorAll("script[src], link[rel=stylesheet]").forEach(function (el) {
        files.push(el.src || el.href);
      });
      return Promise.all([
        caches.open("cafe-pages-v1").then(function (c) { return c.add(location.href); }),
        caches.open("cafe-static-v1").then(function (c) { return c.addAll(files.slice(1)); })
      ]);
    }).catch(function () { /* no service workers on plain-http LANs: notes still wait in the outbox */ });
  }
  // A page served from the offline copy may predate joining: this tab's shell says otherwise.
  var shell = loadShell();
  if (shell && shell.event.status === "open" && shell.me.table) {
    state = shell; maxChars = shell.max_chars; drawWrite(); connect();
  } else if (app.dataset.joined === "yes") { show(null); connect(); }
  else if (app.dataset.status === "open") { show("notice"); }
  else { show("closed"); }
  // Show waiting notes even before the connection is up.
  CafeOutbox.all(slug).then(function (entries) {
    entries.forEach(function (e) { waiting[e.client_id] = e; });
    if (state) render();
  });
})();

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
  var away = {};         // client_id -> note written before "Exit this page", sent but never shown
  var exited = false;    // "Exit this page" was pressed: show the notice afresh, start a new pass
  try { exited = localStorage.getItem("cafe-exited") === "1"; } catch (e) { /* storage off */ }
  var rotation = new CafeRotation({
    getState: function () { return state; },
    chooseTable: function (number) { chooseTable(number); }
  });
  var countdown = new CafeCountdown(document.getElementById("timer"), document.getElementById("timer-say"));

  function $(id) { return document.getElementById(id); }
  function show(id) {
    ["notice", "tables", "write", "goodbye", "closed"].forEach(function (s) { $(s).hidden = s !== id; });
    // At a table, a phone with large text keeps its languages at the foot of the page (phone.css).
    if (id === "write") document.body.dataset.atTable = "yes"; else delete document.body.dataset.atTable;
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
  // One polite live region for what happened to a note and for a new round's question.
  function say(text) {
    var el = $("say");
    el.textContent = "";
    setTimeout(function () { el.textContent = text; }, 50);  // the same words twice are said twice
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
    button.textContent = t("joining");  // slow Wi-Fi: say that something is happening
    say(t("joining"));
    showError("notice-error", "");
    fetch(app.dataset.joinUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ table: presetTable, fresh: exited })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok && result.body.code === "purged") { showEnded(true); return; }
      if (!result.ok && result.body.code === "busy" && result.body.retry_after > 0) {
        // Many phones joining from one network (a venue's Wi-Fi): wait as told, then try again.
        showError("notice-error", result.body.error);
        setTimeout(join, result.body.retry_after * 1000);
        return;
      }
      if (!result.ok || !result.body.ok) throw new Error(result.body.error || t("could_not_join"));
      exited = false;
      try { localStorage.removeItem("cafe-exited"); } catch (e) { /* storage off */ }
      connect();
    }).catch(function (error) {
      button.disabled = false;
      button.textContent = continueLabel;
      showError("notice-error", error instanceof TypeError ? t("no_network") : error.message);
    });
  }

  // ---- the socket ------------------------------------------------------------------------------
  function connect() {
    if (socket) return;
    setNet(t("connecting"));
    socket = io("/participant", { auth: { event: slug }, reconnectionDelayMax: 10000 });
    socket.on("connect", function () { setNet(t("connected")); });
    socket.on("disconnect", function (reason) {
      // Only an ended pass ("Exit this page" in another tab) makes the server close a phone's socket.
      if (reason === "io server disconnect") { passGone(); return; }
      countdown.stale = true;
      setNet(t("offline"), true);
    });
    socket.on("connect_error", function (error) {
      if (error && error.data && error.data.code === "join") { passGone(); return; }
      // The café is over (or its notes were deleted): say so, rather than "can't reach".
      if (error && error.data && (error.data.code === "ended" || error.data.code === "purged")) {
        socket.close(); socket = null;
        setNet("");
        showEnded(error.data.code === "purged");
        return;
      }
      setNet(t("unreachable"), true);
    });
    socket.on("state", onState);
    socket.on("round_changed", function (data) {
      if (!state) return;
      var fresh = data.round.number !== (state.event.round || {}).number;
      state.event.clock = data.clock; state.event.round = data.round; state.event.server_time = data.server_time;
      if (data.clock.phase === "closed") { state.event.status = "closed"; clearMessage(); show("closed"); return; }
      if (passedRound !== null && passedRound !== data.round.number) {  // a new question: offer it
        passedRound = null; $("note-form").hidden = false; $("passed").hidden = true;
      }
      if (state.me.table) drawWrite();
      if (fresh && state.me.table) {
        say(t("round_question", { number: data.round.number, question: $("question").textContent }));
      }
      saveShell();
    });
    socket.on("hold_changed", function (data) { drawHold(data.message); });
    socket.on("message_sent", function (data) { showMessage(data.text); });
    socket.on("lead_messaged", function (data) { window.CafeLeadMessage(data.text); });
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

  // The event closed for good, or its notes were deleted by retention: nothing more to send here.
  function showEnded(purged) {
    if (purged) $("closed-title").textContent = t("purged");
    clearMessage();
    show("closed");
    focusHeading("closed");
  }

  // The phone's pass expired, was never made or was ended: forget its notes here and show the notice
  // again. Notes still waiting go with their send-only key.
  function passGone() {
    socket.close(); socket = null;
    var left = Object.keys(waiting).map(function (id) { return waiting[id]; });
    saved = {}; waiting = {}; failed = {};
    $("mine").textContent = "";
    try { sessionStorage.removeItem(SHELL_KEY); } catch (e) { /* storage off */ }
    sendAway(left);
    $("continue").disabled = false;
    $("continue").textContent = continueLabel;
    show("notice");
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

  // The round, table, question and this phone's own notes survive a reload in this tab, so a phone
  // that reloads with no network still shows its notes and can take more. Only this tab keeps them
  // (sessionStorage), and "Exit this page" deletes them. The clock keeps its offset from the server,
  // not the server's time then, so a countdown reloaded offline is not behind by the time offline.
  var SHELL_KEY = "cafe-shell-" + slug;
  var messagePhase = null;  // the phase the facilitator's message arrived in
  var earlier = null;       // the message this tab showed before a reload, and its phase
  function saveShell() {
    var notes = Object.keys(saved).map(function (id) { return saved[id]; });
    try {
      sessionStorage.setItem(SHELL_KEY, JSON.stringify({ event: state.event, me: state.me, max_chars: maxChars,
        notes: notes, outbox_key: state.outbox_key, offset: countdown.offset,
        message: shownMessage, message_phase: messagePhase }));
    } catch (e) { /* storage full or off */ }
  }
  function loadShell() {
    try { return JSON.parse(sessionStorage.getItem(SHELL_KEY) || "null"); } catch (e) { return null; }
  }

  // A waiting note belongs to this pass, or to one that "Exit this page" ended (then it is sent with
  // that pass's send-only key and never shown here).
  function mine(entry) { return !entry.key || (state && entry.key === state.outbox_key); }
  function sendAway(entries) {
    var byKey = {};
    entries.forEach(function (e) {
      if (!e.key || away[e.client_id]) return;
      away[e.client_id] = true;
      (byKey[e.key] = byKey[e.key] || []).push(e);
    });
    Object.keys(byKey).forEach(function (key) {
      var left = byKey[key], again = null;
      var s = io("/participant", { auth: { event: slug, outbox_key: key }, forceNew: true, reconnectionDelayMax: 10000 });
      function go() {
        left.forEach(function (e) {
          var payload = { client_id: e.client_id, text: e.text, consent: e.consent, table: e.table, round: e.round };
          s.timeout(15000).emit("submit_note", payload, function (err, ack) {
            if (err || (!ack.ok && (ack.code === "server" || ack.code === "slow_down"))) {
              clearTimeout(again); again = setTimeout(function () { if (s.connected) go(); }, 5000);
              return;
            }
            left = left.filter(function (x) { return x !== e; });
            CafeOutbox.remove(e.client_id);
            if (!left.length) s.close();
          });
        });
      }
      s.on("connect", go);
      // The café has ended or the key is not known: keep the notes on the phone, stop trying.
      s.on("connect_error", function (error) { if (error && error.data && error.data.code) s.close(); });
    });
  }

  // A message sent while this phone was away arrives in its state; one already shown is not repeated.
  var shownMessage = null;
  function showMessage(text) {
    shownMessage = text;
    if (state) messagePhase = phaseKey();
    // Shown first, then filled, so that screen readers announce the live region's new text.
    $("message").hidden = false;
    $("message-text").textContent = "";
    setTimeout(function () { $("message-text").textContent = text; }, 50);
    // Someone scrolled down to the note box would not see it arrive: a small notice at the bottom
    // points to it, without moving their place or their focus.
    $("message-notice").hidden = messageInView();
  }
  function messageInView() {
    var box = $("message").getBoundingClientRect();
    return box.bottom > 0 && box.top < window.innerHeight;
  }
  function clearMessage() {
    $("message").hidden = true;
    $("message-notice").hidden = true;
  }
  $("message-notice").addEventListener("click", function () {
    $("message-notice").hidden = true;
    $("message").scrollIntoView({ block: "center" });
    $("message").focus({ preventScroll: true });
  });
  window.addEventListener("scroll", function () {
    if (!$("message-notice").hidden && messageInView()) $("message-notice").hidden = true;
  }, { passive: true });

  function onState(data) {
    countdown.stale = false;
    countdown.offset = data.event.server_time - Date.now();
    state = data;
    maxChars = data.max_chars;
    saved = {};
    data.notes.forEach(function (n) { saved[n.client_id] = n; });
    drawHold(data.event.hold);
    // A message shown in an earlier phase (before a reload) is not brought back in this one.
    var stale = data.message && earlier && data.message.text === earlier.text &&
      earlier.phase !== data.event.clock.phase + ":" + data.event.round.number;
    if (stale) clearMessage();
    else if (data.message && data.message.text !== shownMessage) showMessage(data.message.text);
    if (data.event.status !== "open") { clearMessage(); show("closed"); return; }
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
      var name = document.createElement("bdi");
      name.textContent = t.name;
      b.appendChild(document.createTextNode(t.number + " · "));
      b.appendChild(name);
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

  function drawWhere() {
    var table = (state.event.tables || []).filter(function (x) { return x.number === state.me.table; })[0];
    if (table) cafeFill($("where-table"), "table_named", { number: table.number, name: table.name });
    else cafeFill($("where-table"), "table", { number: state.me.table });
    cafeFill($("where-round"), "round_of", { number: state.event.round.number, count: state.event.round.count });
  }

  function drawHold(message) {
    var wasHidden = $("hold").hidden;
    $("hold").hidden = !message;
    $("hold-text").textContent = message === t("hold_default") ? "" : message || "";  // the heading says it
    $("app").classList.toggle("holding", !!message);
    if (message && wasHidden) $("hold-title").focus();
    if (!message && !wasHidden) {  // the pause lifted: back to the screen underneath, not the top
      var under = ["write", "tables", "goodbye"].filter(function (s) { return !$(s).hidden; })[0];
      if (under) focusHeading(under);
    }
  }

  // A new phase (or round) clears what belonged to the last one: the facilitator's message, the
  // "your table has changed" card, the saved line and an opened note box in the harvest.
  var drawnPhase = null;
  function phaseKey() { return state.event.clock.phase + ":" + state.event.round.number; }
  function enterPhase() {
    var key = phaseKey();
    if (messagePhase !== null && messagePhase !== key) clearMessage();
    if (drawnPhase !== null && drawnPhase !== key) {
      $("reseat").hidden = true;
      noteStatus("");
      $("write").classList.remove("writing");
      $("harvest-write").setAttribute("aria-expanded", "false");
    }
    drawnPhase = key;
    $("write").dataset.phase = state.event.clock.phase;
    app.dataset.phase = state.event.clock.phase;
  }

  function drawWrite() {
    var wasHidden = $("write").hidden;
    enterPhase();
    drawWhere();
    countdown.update(state.event.clock, state.event.server_time, state.event.round);
    var questions = state.event.round.questions || {};
    $("question").textContent = questions[app.dataset.lang] || state.event.round.question;
    var warning = (state.event.round.content_warnings || {})[app.dataset.lang] ||
      state.event.round.content_warning;
    $("round-warning").textContent = warning ? t("content_warning", { warning: warning }) : "";
    $("round-warning").hidden = !warning;
    // Between rounds a note still goes to the round that ended: say so by the question and "Save".
    var late = state.event.clock.phase === "ended" && state.event.round.number >= 1;
    $("late-round").textContent = late ? t("still_adding", { number: state.event.round.number }) : "";
    $("late-round").hidden = !late;
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

  // The note being typed survives a change of language, a reload or a dropped tab (this tab only;
  // cleared when it is saved, and by "Exit this page").
  var DRAFT_KEY = "cafe-draft-" + slug;
  function keepDraft() {
    try {
      if ($("note-text").value) sessionStorage.setItem(DRAFT_KEY, $("note-text").value);
      else sessionStorage.removeItem(DRAFT_KEY);
    } catch (e) { /* storage full or off */ }
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
      table: state.me.table, round: state.event.round.number, created: Date.now(), key: state.outbox_key
    };
    // Clear the box at once so a quick next note is never wiped by this one's storage callback.
    $("note-text").value = "";
    keepDraft();
    updateCount();
    CafeOutbox.put(entry).then(function () {
      waiting[entry.client_id] = entry;
      render();
      if (!socket || !socket.connected) { say(t("note_kept")); noteStatus(t("note_kept"), true); }
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
      if (err) { say(t("note_kept")); noteStatus(t("note_kept"), true); scheduleRetry(); return; }
      if (ack.ok) {
        attempt = 0;
        say(t("note_saved"));
        noteStatus(t("note_saved"), false);
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
        say(t("not_sent", { reason: ack.error }));
        render();
      }
    });
  }

  // What happened to the note just saved, beside the button that saved it (screen readers hear it
  // from the live region above; this line is for eyes, so it is not live itself).
  function noteStatus(text, isWaiting) {
    var el = $("note-status");
    el.textContent = text || "";
    el.hidden = !text;
    el.classList.toggle("waiting", !!isWaiting);
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
      sendAway(entries.filter(function (e) { return !mine(e); }));
      entries.filter(mine).forEach(function (e) { waiting[e.client_id] = e; });
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
    if (state) saveShell();
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
    } else if (isWaiting && !inflight[note.client_id]) {
      // Not sent yet: still the writer's to change or drop ("You are in control").
      if (!failed[note.client_id]) {
        actions.appendChild(button(t("edit"), function () { editNote(li, note, true); }, textId));
      }
      actions.appendChild(button(t("discard"), function () {
        if (!window.confirm(t("confirm_discard"))) return;
        delete waiting[note.client_id]; delete failed[note.client_id];
        CafeOutbox.remove(note.client_id); render();
        focusMine();
      }, textId));
    }
    li.appendChild(actions);
    return li;
  }

  function focusMine() { $("mine-title").setAttribute("tabindex", "-1"); $("mine-title").focus(); }
  // After an edit, focus goes back to the note itself (not the top of the page).
  function focusNote(clientId) {
    var p = $("note-" + clientId);
    if (!p) { focusMine(); return; }
    p.setAttribute("tabindex", "-1");
    p.focus();
  }

  // A waiting note is changed in the outbox (it keeps its client id); a saved one on the server.
  function editWaiting(note, text, consent, error) {
    text = text.trim();
    var problem = !text ? t("empty") : text.length > maxChars ? t("too_long", { count: text.length, limit: maxChars }) : "";
    if (!problem && !waiting[note.client_id]) { render(); focusNote(note.client_id); return; }  // it has just been saved
    if (!problem && inflight[note.client_id]) problem = t("sending_now");
    if (problem) { error.textContent = problem; error.hidden = false; return; }
    var entry = {};
    Object.keys(note).forEach(function (k) { entry[k] = note[k]; });
    entry.text = text; entry.consent = consent;
    CafeOutbox.put(entry).then(function () {
      waiting[entry.client_id] = entry;
      render(); focusNote(entry.client_id); flush();
    }).catch(function () { error.textContent = t("not_kept"); error.hidden = false; });
  }

  function editNote(li, note, isWaiting) {
    li.textContent = "";
    var id = "edit-" + note.client_id;
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
      if (isWaiting) { editWaiting(note, area.value, consent.value, error); return; }
      if (!socket || !socket.connected) { error.textContent = t("offline_retry"); error.hidden = false; return; }
      socket.timeout(15000).emit("edit_note", { id: note.id, text: area.value, consent: consent.value }, function (err, ack) {
        if (err || !ack.ok) { error.textContent = err ? t("no_answer") : ack.error; error.hidden = false; return; }
        saved[ack.note.client_id] = ack.note;
        render();
        focusNote(ack.note.client_id);
      });
    }));
    actions.appendChild(button(t("cancel"), function () { render(); focusNote(note.client_id); }));
    [label, area, consent, error, actions].forEach(function (el) { li.appendChild(el); });
    area.focus();
  }

  function withdrawNote(note) {
    if (!window.confirm(t("confirm_withdraw"))) return;
    if (!socket || !socket.connected) { window.alert(t("offline_retry")); return; }
    socket.timeout(15000).emit("withdraw_note", { id: note.id }, function (err, ack) {
      if (!err && ack.ok) { saved[ack.note.client_id] = ack.note; render(); focusNote(ack.note.client_id); }
    });
  }

  // ---- wiring ----------------------------------------------------------------------------------
  var cont = $("continue"), continueLabel = cont ? cont.textContent : "";
  // The button is disabled in the HTML until this script is wired, so an early tap is never lost.
  if (cont) { cont.addEventListener("click", join); cont.disabled = false; }
  $("note-form").addEventListener("submit", submitNote);
  $("note-text").addEventListener("input", function () { updateCount(); keepDraft(); noteStatus(""); });
  $("harvest-write").addEventListener("click", function () {
    var open = !$("write").classList.contains("writing");
    $("write").classList.toggle("writing", open);
    $("harvest-write").setAttribute("aria-expanded", String(open));
    if (open) $("note-text").focus();
  });
  try { if (!exited) $("note-text").value = sessionStorage.getItem(DRAFT_KEY) || ""; } catch (e) { /* off */ }
  $("change-table").addEventListener("click", function () { drawTables(); show("tables"); focusHeading("tables"); });
  $("message-close").addEventListener("click", clearMessage);
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
  var shell = exited ? null : loadShell();
  if (shell && shell.message) earlier = { text: shell.message, phase: shell.message_phase };
  if (exited && app.dataset.status === "open") { show("notice"); }
  else if (shell && shell.event.status === "open" && shell.me.table) {
    state = shell; maxChars = shell.max_chars;
    state.event.server_time = Date.now() + (shell.offset || 0);
    (shell.notes || []).forEach(function (n) { saved[n.client_id] = n; });
    countdown.stale = true;  // the last known clock, marked as waiting until the server answers
    drawWrite(); connect();
  } else if (app.dataset.joined === "yes") { show(null); connect(); }
  else if (app.dataset.status === "open") { show("notice"); }
  else { show("closed"); }
  // Show waiting notes even before the connection is up.
  CafeOutbox.all(slug).then(function (entries) {
    if (exited || (!state && app.dataset.joined !== "yes")) { sendAway(entries); return; }
    entries.filter(mine).forEach(function (e) { waiting[e.client_id] = e; });
    if (state) render();
  });
})();

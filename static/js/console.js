// The facilitator console: notes arrive live per table; approve or hide each for the wall.
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) return;
  var notes = {}, presence = {}, participants = 0, phase = null, hold = null;
  var t = window.cafeT;
  var FLAG_LABELS = { disclosure: t("held_flag"), sent_to_lead: t("sent_flag") };
  var CONSENT = { quote: t("consent_quote"), paraphrase: t("consent_paraphrase"), none: t("consent_none") };

  function $(id) { return document.getElementById(id); }
  function column(table) { return root.querySelector('.table-col[data-table="' + table + '"]'); }

  function flagText(flag) {
    if (FLAG_LABELS[flag]) return FLAG_LABELS[flag];
    if (flag.indexOf("personal:") === 0) return t("personal_flag", { kind: flag.slice(9) });
    return flag;
  }

  function act(event, id) {
    $("control-error").hidden = true;
    socket.timeout(10000).emit(event, { id: id }, function (err, ack) {
      if (err || !ack.ok) {  // said under the controls: the line above says only the connection
        $("control-error").textContent = err ? t("no_answer_server") : ack.error;
        $("control-error").hidden = false;
      } else if (event === "send_to_lead") {
        $("done").textContent = t("sent_to_lead_done");
        $("done").hidden = false;
      }
    });
  }

  // Personal details are highlighted so the facilitator sees what "Remove personal details" takes out.
  function drawText(el, text, spans) {
    var at = 0;
    spans.forEach(function (span) {
      el.appendChild(document.createTextNode(text.slice(at, span[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(span[0], span[1]);
      mark.title = span[2];
      el.appendChild(mark);
      at = span[1];
    });
    el.appendChild(document.createTextNode(text.slice(at)));
  }

  function noteElement(note) {
    var li = document.createElement("li");
    li.className = "note wall-" + note.wall + (note.status === "withdrawn" ? " withdrawn" : "");
    li.dataset.id = note.id;
    var text = document.createElement("p");
    text.className = "note-text";
    text.dir = "auto";
    text.id = "n" + note.id;
    if (note.status === "withdrawn") text.textContent = t("withdrawn_note");
    else if (note.held) text.textContent = t("held_note");
    else drawText(text, note.text, note.spans || []);
    li.appendChild(text);
    var meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = t("note_meta", {
      // A held note never shows its writer: the pseudonym would link them to their other notes.
      round: note.round, writer: note.held ? t("writer_held") : note.pseudonym || t("anonymous"),
      consent: CONSENT[note.consent] || "",
      wall: note.wall === "approved" ? (note.consent === "quote" ? t("on_wall") : t("in_recap")) : note.wall === "hidden" ? t("hidden") : t("awaiting")
    });
    li.appendChild(meta);
    (note.flags || []).forEach(function (flag) {
      var f = document.createElement("p");
      f.className = "flag";
      f.textContent = flagText(flag);
      li.appendChild(f);
    });
    if (note.status === "saved" && !note.held) {
      var actions = document.createElement("p");
      actions.className = "actions";
      var blocked = (note.flags || []).length > 0;
      if ((note.spans || []).length) actions.appendChild(button(t("redact"), "redact_note", note));
      if (note.wall !== "approved" && !blocked && note.consent !== "none") actions.appendChild(button(t("approve"), "approve_note", note));
      // The writer's consent, plainly, beside Approve (what Approve will and will not do).
      var consent = document.createElement("span");
      consent.className = "consent consent-" + note.consent;
      consent.textContent = t("consent_says_" + note.consent);
      actions.appendChild(consent);
      if (note.wall !== "hidden") actions.appendChild(button(note.wall === "approved" ? t("take_down") : t("hide"), "hide_note", note));
      actions.appendChild(button(t("send_to_lead"), "send_to_lead", note));
      li.appendChild(actions);
    }
    return li;
  }

  // The first words of a note: each note's buttons say which note they act on to a screen reader.
  function firstWords(text) {
    var words = text.trim().split(/\s+/);
    return words.slice(0, 6).join(" ") + (words.length > 6 ? "…" : "");
  }
  window.CafeFirstWords = firstWords;

  function button(label, event, note) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    var which = document.createElement("span");
    which.className = "visually-hidden";
    which.textContent = ", " + firstWords(note.text || "");
    b.appendChild(which);
    b.setAttribute("aria-describedby", "n" + note.id);
    b.addEventListener("click", function () { act(event, note.id); });
    return b;
  }

  function place(note) {
    var col = column(note.table);
    if (!col) return;
    var list = col.querySelector("[data-notes]");
    var old = list.querySelector('[data-id="' + note.id + '"]');
    var fresh = noteElement(note);
    if (old) list.replaceChild(fresh, old); else list.insertBefore(fresh, list.firstChild);
    applyFilter(fresh, note);
    col.querySelector("[data-empty]").hidden = list.children.length > 0;
  }

  function applyFilter(el, note) {
    el.hidden = $("only-pending").checked && !(note.wall === "pending" && note.status === "saved");
  }

  function counts() {
    var all = Object.keys(notes).map(function (k) { return notes[k]; });
    $("count-notes").textContent = all.filter(function (n) { return n.status === "saved"; }).length;
    $("count-pending").textContent = all.filter(function (n) { return n.status === "saved" && n.wall === "pending" && !n.held; }).length;
    var total = 0;
    root.querySelectorAll("[data-presence]").forEach(function (el) {
      var n = presence[el.dataset.presence] || 0;
      total += n;
      el.textContent = t("phones", { count: n });
    });
    $("count-phones").textContent = total + (presence["0"] || 0);
    $("count-people").textContent = participants;
  }

  var countdown = new CafeCountdown($("timer"), $("timer-say"));
  var QUIET_MINUTES = 5;
  var clockState = null;

  // A table with no note for a while during a running round may need a nudge from the facilitator.
  function markQuiet() {
    var running = clockState && clockState.clock.phase === "running";
    var now = Date.now() + (clockState ? clockState.offset : 0);
    root.querySelectorAll("[data-quiet]").forEach(function (el) {
      var table = parseInt(el.dataset.quiet, 10);
      var last = clockState ? clockState.clock.started_at : null;
      Object.keys(notes).forEach(function (id) {
        var n = notes[id];
        var at = Date.parse(n.created_at);
        if (n.table === table && n.round === (clockState && clockState.clock.round) && at > last) last = at;
      });
      var minutes = last ? Math.floor((now - last) / 60000) : 0;
      el.hidden = !running || minutes < QUIET_MINUTES;
      el.textContent = t("quiet_for", { count: minutes });
    });
  }
  setInterval(markQuiet, 15000);
  var ALLOWED = {
    start_round: ["lobby", "ended", "harvest"], pause_round: ["running"], resume_round: ["paused"],
    extend_round: ["running", "paused"], end_round: ["running", "paused"],
    start_harvest: ["ended"], close_event: ["lobby", "running", "paused", "ended", "harvest"]
  };
  var currentRound = 1;

  // "Pause everyone" and messages cannot reach the phones of a closed café; a pause may be lifted.
  function drawHold() {
    var closed = phase === "closed";
    $("hold-state").hidden = !hold;
    $("hold").disabled = closed;
    $("release").disabled = !hold;
    $("send").disabled = closed;
  }

  // One line says what the last action did; each action replaces it.
  function done(text) {
    $("done").textContent = text;
    $("done").hidden = false;
  }

  function drawClock(clock, round, serverTime) {
    countdown.update(clock, serverTime, round);
    clockState = { clock: clock, offset: serverTime - Date.now() };
    markQuiet();
    var said = t("phase_" + clock.phase);
    if (clock.phase === "ended" && !(round.move && clock.round < clock.rounds)) {
      said = t(clock.round >= clock.rounds ? "phase_ended_last" : "phase_ended_stay");
    }
    $("round-line").textContent = clock.phase === "harvest" ? t("harvest_line")
      : clock.phase === "closed" ? t("closed_line")
      : t("round_line", { number: round.number, count: round.count, phase: said, question: round.question });
    setPhase(clock.phase);
    currentRound = round.number;
    root.querySelectorAll("[data-action]").forEach(function (b) {
      b.disabled = ALLOWED[b.dataset.action].indexOf(clock.phase) < 0;
    });
    $("goto").disabled = ALLOWED.start_round.indexOf(clock.phase) < 0;
    $("start-round").textContent = clock.phase === "lobby" ? t("start_round_n", { number: round.number }) : t("start_next");
  }

  function setPhase(value) { phase = value; drawHold(); }

  // Send a control; on success `said(ack)` gives the confirmation that replaces the last one.
  function control(event, payload, said) {
    $("control-error").hidden = true;
    socket.timeout(10000).emit(event, payload || {}, function (err, ack) {
      if (err || !ack.ok) {
        $("control-error").textContent = err ? t("no_answer_server") : ack.error;
        $("control-error").hidden = false;
        return;
      }
      if (said) done(said(ack));
    });
  }

  var SAID = {
    start_round: function (ack) { return t("done_start_round", { number: ack.round.number }); },
    pause_round: function () { return t("done_pause_round"); },
    resume_round: function () { return t("done_resume_round"); },
    extend_round: function (ack, payload) { return t("done_extend_round", { count: payload.minutes }); },
    end_round: function (ack) { return t("done_end_round", { number: ack.round.number }); },
    start_harvest: function () { return t("done_start_harvest"); },
    close_event: function () { return t("closed_line"); }
  };
  // Ending a round, starting the harvest and closing cannot be undone in one step: they ask first.
  var CONFIRM = {
    end_round: function () { return t("confirm_end_round", { number: currentRound }); },
    start_harvest: function () { return t("confirm_start_harvest"); },
    close_event: function () { return t("confirm_close"); }
  };

  root.querySelectorAll("[data-action]").forEach(function (b) {
    b.addEventListener("click", function () {
      var action = b.dataset.action;
      if (CONFIRM[action] && !window.confirm(CONFIRM[action]())) return;
      var payload = b.dataset.minutes ? { minutes: parseInt(b.dataset.minutes, 10) } : {};
      control(action, payload, function (ack) { return SAID[action](ack, payload); });
    });
  });
  $("goto").addEventListener("click", function () {
    control("start_round", { round: parseInt($("goto-round").value, 10) }, SAID.start_round);
  });
  $("hold-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var words = $("hold-message");  // the words as offered: every screen says them in its own language
    control("hold_everyone", { message: words.value === words.defaultValue ? "" : words.value },
      function () { return t("done_hold"); });
  });
  $("release").addEventListener("click", function () {
    control("release_everyone", {}, function () { return t("done_release"); });
  });
  $("message-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var table = $("message-table").value;
    control("send_message", { text: $("message-text").value, table: table ? parseInt(table, 10) : null },
      function (ack) {
        $("message-text").value = "";  // kept when refused, to correct and send again
        return ack.table ? t("message_sent_table", { table: ack.table }) : t("message_sent_all");
      });
  });

  var socket = io("/console", { auth: { event: root.dataset.slug } });
  if (window.CafeConsoleRotation) window.CafeConsoleRotation(socket);
  socket.on("connect", function () { $("status").textContent = t("connection_live"); });
  socket.on("disconnect", function () { $("status").textContent = t("reconnecting"); });
  socket.on("connect_error", function (error) { $("status").textContent = error.message || t("cannot_connect"); });
  socket.on("console_state", function (state) {
    notes = {};
    root.querySelectorAll("[data-notes]").forEach(function (l) { l.textContent = ""; });
    state.notes.forEach(function (n) { notes[n.id] = n; place(n); });
    presence = state.presence.tables;
    participants = state.participants;
    hold = state.event.hold;
    drawClock(state.event.clock, state.event.round, state.event.server_time);
    counts();
  });
  socket.on("note_added", function (data) {
    notes[data.note.id] = data.note;
    place(data.note);
    counts();
    $("new-notes").textContent = t("new_note_at", { table: data.note.table });
    markQuiet();
  });
  socket.on("note_changed", function (data) { notes[data.note.id] = data.note; place(data.note); counts(); });
  socket.on("round_changed", function (data) { drawClock(data.clock, data.round, data.server_time); });
  socket.on("hold_changed", function (data) { hold = data.message; drawHold(); });
  // Joins and leaves come with the rotation panel's list of everyone who joined.
  socket.on("rotation_changed", function (data) { participants = data.rotation.people.length; counts(); });
  socket.on("presence_changed", function (data) { presence = data.tables; counts(); });
  $("only-pending").addEventListener("change", function () {
    root.querySelectorAll(".note").forEach(function (el) { applyFilter(el, notes[el.dataset.id]); });
  });
})();

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

  // "so" -> "Somali" in the console's own language (the browser knows every language's name).
  function languageName(code) {
    if (!code || code === "und") return t("unknown_language");
    try {
      var names = new Intl.DisplayNames([document.documentElement.lang || "en"], { type: "language" });
      return names.of(code) || code;
    } catch (e) { return code; }
  }

  function flagText(flag, flags) {
    if (FLAG_LABELS[flag]) return FLAG_LABELS[flag];
    if (flag.indexOf("personal:") === 0) return t("personal_flag", { kind: flag.slice(9) });
    if (flag === "unscreened") {
      var lang = flags.filter(function (f) { return f.indexOf("lang:") === 0; })[0];
      return t("unscreened_flag", { language: languageName(lang ? lang.slice(5) : "und") });
    }
    return flag;
  }

  function act(event, id, then) {
    $("control-error").hidden = true;
    socket.timeout(10000).emit(event, { id: id }, function (err, ack) {
      if (err || !ack.ok) {  // said under the controls: the line above says only the connection
        $("control-error").textContent = err ? t("no_answer_server") : ack.error;
        $("control-error").hidden = false;
        queueFocus = null;
        return;
      } else if (event === "send_to_lead") {
        $("done").textContent = t("sent_to_lead_done");
        $("done").hidden = false;
      }
      if (then) then(ack);
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
    (note.flags || []).forEach(function (flag, i, flags) {
      if (flag.indexOf("lang:") === 0) return;  // said by the "not screened" line
      var f = document.createElement("p");
      f.className = "flag" + (flag === "unscreened" ? " flag-unscreened" : "");
      f.textContent = flagText(flag, flags);
      li.appendChild(f);
    });
    if (note.status === "saved" && !note.held) {
      var actions = document.createElement("p");
      actions.className = "actions";
      // A note Café could not screen waits for a person: the facilitator may approve it once read.
      var blocked = (note.flags || []).some(function (f) { return f !== "unscreened" && f.indexOf("lang:") !== 0; });
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

  function button(label, event, note, prefix, key) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    var which = document.createElement("span");
    which.className = "visually-hidden";
    which.textContent = ", " + firstWords(note.text || "");
    b.appendChild(which);
    b.setAttribute("aria-describedby", (prefix || "n") + note.id);
    if (key) { b.dataset.key = key; b.setAttribute("aria-keyshortcuts", key === "approve" ? "A" : key === "lead" ? "S" : "H"); }
    b.addEventListener("click", function () {
      var item = prefix === "q" && b.closest(".q-item");
      if (item && event !== "redact_note") queueAct(item, event); else act(event, note.id);
    });
    return b;
  }

  // ---- the moderation queue: pending notes across tables, oldest first ------------------------
  function waitingNote(n) { return n.status === "saved" && n.wall === "pending" && !n.held; }
  function quotable(n) { return waitingNote(n) && n.consent === "quote" && !(n.flags || []).length; }
  var queueFocus = null;  // after an approve or hide: the place in the queue to put the focus back
  var drawQueueSoon = false;

  function queueItem(note) {
    var li = document.createElement("li");
    li.className = "q-item" + ((note.flags || []).length ? " flagged" : "");
    li.dataset.id = note.id;
    li.tabIndex = -1;
    var text = document.createElement("p");
    text.className = "note-text";
    text.dir = "auto";
    text.id = "q" + note.id;
    drawText(text, note.text, note.spans || []);
    li.appendChild(text);
    var meta = document.createElement("p");
    meta.className = "meta";
    var where = document.createElement("span");
    cafeFill(where, "queue_where", { table: note.table, round: note.round });
    var consent = document.createElement("span");
    consent.className = "consent consent-" + note.consent;
    consent.textContent = CONSENT[note.consent] || "";
    meta.appendChild(where);
    meta.appendChild(document.createTextNode(" · "));
    meta.appendChild(consent);
    li.appendChild(meta);
    (note.flags || []).forEach(function (flag) {
      var f = document.createElement("p");
      f.className = "flag";
      f.textContent = flagText(flag);
      li.appendChild(f);
    });
    var actions = document.createElement("p");
    actions.className = "actions";
    var blocked = (note.flags || []).length > 0;
    if ((note.spans || []).length) actions.appendChild(button(t("redact"), "redact_note", note, "q"));
    if (!blocked && note.consent !== "none") actions.appendChild(button(t("approve"), "approve_note", note, "q", "approve"));
    actions.appendChild(button(t("hide"), "hide_note", note, "q", "hide"));
    actions.appendChild(button(t("send_to_lead"), "send_to_lead", note, "q", "lead"));
    li.appendChild(actions);
    return li;
  }

  function drawQueue() {
    drawQueueSoon = false;
    var list = $("queue-list");
    var active = document.activeElement;
    var had = list.contains(active) ? active.closest(".q-item") : null;
    var place = had ? Array.prototype.indexOf.call(list.children, had) : null;
    var keepId = had ? had.dataset.id : null;
    var waiting = Object.keys(notes).map(function (k) { return notes[k]; }).filter(waitingNote)
      .sort(function (a, b) { return (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id); });
    list.textContent = "";
    waiting.forEach(function (n) { list.appendChild(queueItem(n)); });
    $("queue-count").textContent = String(waiting.length);
    $("queue-empty").hidden = waiting.length > 0;
    var bulk = waiting.filter(quotable).length;
    $("bulk-approve").textContent = t("bulk_approve", { count: bulk });
    $("bulk-approve").disabled = bulk === 0;
    // Keep the keyboard where it was: the same note if it is still waiting, else the next one.
    if (queueFocus !== null || keepId !== null) {
      var again = keepId && list.querySelector('.q-item[data-id="' + keepId + '"]');
      var at = queueFocus !== null ? queueFocus : place;
      if (!again || queueFocus !== null) again = list.children[Math.min(at, list.children.length - 1)];
      queueFocus = null;
      if (again) again.focus(); else $("queue-title").focus();
    }
  }
  function queueChanged() {
    if (drawQueueSoon) return;
    drawQueueSoon = true;
    requestAnimationFrame(drawQueue);
  }

  function queueAct(item, event) {
    var id = parseInt(item.dataset.id, 10);
    var note = notes[id];
    if (!note) return;
    if (event === "approve_note" && ((note.flags || []).length || note.consent === "none")) return;  // never on the wall
    queueFocus = Array.prototype.indexOf.call($("queue-list").children, item);
    act(event, id, function () {
      if (event === "send_to_lead") { $("queue-say").textContent = t("sent_to_lead_done"); return; }
      $("queue-say").textContent = t(event === "approve_note" ? "queue_approved" : "queue_hidden",
        { words: firstWords(note.text) });
    });
  }
  $("queue-list").addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    var item = document.activeElement && document.activeElement.closest(".q-item");
    if (!item) return;
    var key = e.key.toLowerCase();
    if (key === "j" || key === "arrowdown") { if (item.nextElementSibling) item.nextElementSibling.focus(); e.preventDefault(); }
    else if (key === "k" || key === "arrowup") { if (item.previousElementSibling) item.previousElementSibling.focus(); e.preventDefault(); }
    else if (key === "a") { queueAct(item, "approve_note"); e.preventDefault(); }
    else if (key === "h") { queueAct(item, "hide_note"); e.preventDefault(); }
    else if (key === "s") { queueAct(item, "send_to_lead"); e.preventDefault(); }
  });
  // Unflagged notes their writers let us quote may all go up at once, after a question.
  $("bulk-approve").addEventListener("click", function () {
    var ids = Object.keys(notes).map(function (k) { return notes[k]; }).filter(quotable)
      .map(function (n) { return n.id; });
    if (!ids.length || !window.confirm(t("confirm_bulk", { count: ids.length }))) return;
    // A few at a time, each retried a little later when the server is busy or asks to slow down.
    var queue = ids.slice(), running = 0, later = 0, approved = 0, failed = 0, tries = {};
    $("bulk-approve").disabled = true;
    function finish() {
      done(t("bulk_done", { count: approved }));
      if (failed) {
        $("control-error").textContent = t("bulk_failed", { count: failed });
        $("control-error").hidden = false;
      }
      queueChanged();
    }
    function next() {
      if (!queue.length) { if (!running && !later) finish(); return; }
      var id = queue.shift();
      running += 1;
      socket.timeout(10000).emit("approve_note", { id: id }, function (err, ack) {
        running -= 1;
        if (!err && ack.ok) approved += 1;
        else if ((err || ack.code === "server" || ack.code === "slow_down") && (tries[id] = (tries[id] || 0) + 1) < 5) {
          later += 1;
          setTimeout(function () { later -= 1; queue.push(id); next(); }, 400 * tries[id]);
          return;
        } else failed += 1;
        next();
      });
    }
    for (var i = 0; i < 4; i++) next();
  });

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
    drawQueue();
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
    queueChanged();
    $("new-notes").textContent = t("new_note_at", { table: data.note.table });
    markQuiet();
  });
  socket.on("note_changed", function (data) { notes[data.note.id] = data.note; place(data.note); counts(); queueChanged(); });
  socket.on("round_changed", function (data) { drawClock(data.clock, data.round, data.server_time); });
  socket.on("hold_changed", function (data) { hold = data.message; drawHold(); });
  // Joins and leaves come with the rotation panel's list of everyone who joined.
  socket.on("rotation_changed", function (data) { participants = data.rotation.people.length; counts(); });
  socket.on("presence_changed", function (data) { presence = data.tables; counts(); });
  $("only-pending").addEventListener("change", function () {
    root.querySelectorAll(".note").forEach(function (el) { applyFilter(el, notes[el.dataset.id]); });
  });
})();

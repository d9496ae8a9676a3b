// The projector wall: only notes a facilitator approved.
(function () {
  "use strict";
  var root = document.getElementById("wall");
  if (!root) return;
  var list = document.getElementById("wall-notes");
  var MAX_SHOWN = 60;

  function item(note) {
    var li = document.createElement("li");
    li.dataset.id = note.id;
    li.textContent = note.text;
    li.dir = "auto";
    return li;
  }
  function refreshEmpty() { document.getElementById("wall-empty").hidden = list.children.length > 0; }
  function show(note) {
    var old = list.querySelector('[data-id="' + note.id + '"]');
    if (old) { old.textContent = note.text; return; }
    list.insertBefore(item(note), list.firstChild);
    while (list.children.length > MAX_SHOWN) list.removeChild(list.lastChild);
    refreshEmpty();
  }

  var countdown = new CafeCountdown(document.getElementById("timer"), null);
  function drawRound(clock, round, serverTime) {
    countdown.update(clock, serverTime);
    document.getElementById("question").textContent = clock.phase === "harvest" ? "Harvest" : round.question;
  }
  function drawHold(message) {
    document.getElementById("hold").hidden = !message;
    document.getElementById("hold-text").textContent = message || "";
  }

  var socket = io("/wall", { auth: { event: root.dataset.slug, token: root.dataset.token } });
  var status = document.getElementById("wall-status");
  socket.on("connect", function () { status.textContent = ""; });
  socket.on("disconnect", function () { status.textContent = "Reconnecting…"; });
  socket.on("connect_error", function (e) { status.textContent = e.message || "Cannot connect."; });
  socket.on("wall_state", function (state) {
    list.textContent = "";
    drawRound(state.event.clock, state.event.round, state.event.server_time);
    drawHold(state.event.hold);
    state.notes.slice(-MAX_SHOWN).forEach(show);
    refreshEmpty();
  });
  socket.on("round_changed", function (data) { drawRound(data.clock, data.round, data.server_time); });
  socket.on("hold_changed", function (data) { drawHold(data.message); });
  socket.on("note_shown", function (data) { show(data.note); });
  socket.on("note_removed", function (data) {
    var el = list.querySelector('[data-id="' + data.id + '"]');
    if (el) el.remove();
    refreshEmpty();
  });
})();

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
  countdown.quiet = { harvest: true, closed: true };  // the question slot says "Harvest" or "closed"
  var t = window.cafeT;
  var harvest = { words: [], k: 3, insights: [], votes: {} };
  function drawRound(clock, round, serverTime) {
    countdown.update(clock, serverTime, round);
    // Once closed, nobody can join: no join prompt; the harvest stays up with a thank-you.
    var closed = clock.phase === "closed";
    var harvesting = clock.phase === "harvest" || closed;
    document.getElementById("question").textContent =
      closed ? t("closed_thanks") : harvesting ? t("harvest") : round.question;
    document.getElementById("join").hidden = closed;
    document.getElementById("harvest").hidden = !harvesting;
    list.hidden = harvesting;
    document.getElementById("wall-empty").classList.toggle("harvesting", harvesting);
  }

  // The harvest: a word cloud as plain text (sizes from the server's counts) and the insights by dots.
  function drawCloud() {
    var cloud = document.getElementById("cloud");
    cloud.textContent = "";
    harvest.words.forEach(function (word, i) {
      var li = document.createElement("li");
      li.className = "w" + word.size + " c" + (i % 4);
      li.dir = "auto";
      li.appendChild(document.createTextNode(word.text));
      var count = document.createElement("span");
      count.className = "visually-hidden";
      count.textContent = " (" + t("used_by", { count: word.people }) + ")";
      li.appendChild(count);
      cloud.appendChild(li);
    });
    document.getElementById("cloud-empty").hidden = harvest.words.length > 0;
    document.getElementById("cloud-note").textContent = t("cloud_note", { k: harvest.k });
  }
  function drawInsights() {
    var ol = document.getElementById("wall-insights");
    ol.textContent = "";
    var items = harvest.insights.slice();
    function dots(i) { return harvest.votes[String(i.id)] || 0; }
    items.sort(function (a, b) { return dots(b) - dots(a) || a.id - b.id; });
    items.forEach(function (insight) {
      var li = document.createElement("li");
      var text = document.createElement("span");
      text.className = "insight-text";
      text.dir = "auto";
      text.textContent = insight.text;
      var count = document.createElement("span");
      count.className = "insight-dots";
      count.textContent = t("dots", { count: dots(insight) });
      li.appendChild(text);
      li.appendChild(count);
      ol.appendChild(li);
    });
    document.getElementById("insights-empty").hidden = items.length > 0;
  }
  function setHarvest(data) {
    harvest = data;
    drawCloud();
    drawInsights();
  }
  function drawHold(message) {
    document.getElementById("hold").hidden = !message;
    document.getElementById("hold-text").textContent = message === t("hold_default") ? t("hold_title") : message || "";
  }

  var socket = io("/wall", { auth: { event: root.dataset.slug, token: root.dataset.token } });
  var status = document.getElementById("wall-status");
  socket.on("connect", function () { status.textContent = ""; });
  socket.on("disconnect", function () { status.textContent = t("reconnecting"); });
  socket.on("connect_error", function (e) { status.textContent = e.message || t("cannot_connect"); });
  socket.on("wall_state", function (state) {
    list.textContent = "";
    drawRound(state.event.clock, state.event.round, state.event.server_time);
    drawHold(state.event.hold);
    state.notes.slice(-MAX_SHOWN).forEach(show);
    refreshEmpty();
    setHarvest(state.harvest);
  });
  socket.on("harvest_changed", function (data) { setHarvest(data.harvest); });
  socket.on("votes_changed", function (data) { harvest.votes = data.votes; drawInsights(); });
  socket.on("round_changed", function (data) { drawRound(data.clock, data.round, data.server_time); });
  socket.on("hold_changed", function (data) { drawHold(data.message); });
  socket.on("note_shown", function (data) { show(data.note); });
  socket.on("note_removed", function (data) {
    var el = list.querySelector('[data-id="' + data.id + '"]');
    if (el) el.remove();
    refreshEmpty();
  });
})();

// The projector wall: only notes a facilitator approved, of the current round, newest first.
// However many there are, the page never scrolls: the notes are measured into pages that fit the
// stage, and the pages turn by themselves so that every note is up within one cycle (2 minutes by
// default). Too many pages for that cycle at a comfortable pace, and the type steps down a little.
(function () {
  "use strict";
  var root = document.getElementById("wall");
  if (!root) return;
  var t = window.cafeT;
  var stage = document.getElementById("stage");
  var list = document.getElementById("wall-notes");
  var measure = document.getElementById("wall-measure");
  var PAGE_SECONDS = Math.max(0.2, Number(root.dataset.pageSeconds) || 15);
  var CYCLE_SECONDS = Math.max(PAGE_SECONDS, Number(root.dataset.cycleSeconds) || 120);
  var MIN_DWELL = Math.min(PAGE_SECONDS, 7);  // below this a page is too quick to read: smaller type
  var MIN_SCALE = 0.75;
  var LONG_NOTE = 600;  // characters: a longer note may break across columns
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");

  var notes = {};  // id -> note, every approved note of the event
  var roundNo = 0;
  var harvesting = false;
  var pages = [];  // lists of note ids, newest first
  var page = 0;
  var timer = null;

  function shown() {
    return Object.keys(notes).map(function (id) { return notes[id]; })
      .filter(function (n) { return !roundNo || n.round === roundNo; })
      .sort(function (a, b) { return b.id - a.id; });
  }
  function card(note) {
    var li = document.createElement("li");
    li.dataset.id = note.id;
    li.textContent = note.text;
    li.dir = "auto";
    if (note.text.length > LONG_NOTE) li.className = "long";
    return li;
  }
  function overflows(el, height) { return el.scrollHeight > height + 1; }
  // The notes flow down columns of the stage's height: one too many makes a column off the edge.
  function spills(el) { return el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1; }

  // Measure the notes into pages at one type scale.
  function paginate(items, scale) {
    stage.style.setProperty("--s", String(scale));
    var result = [];
    var current = [];
    measure.textContent = "";
    items.forEach(function (note) {
      var li = card(note);
      measure.appendChild(li);
      if (current.length && spills(measure)) {
        result.push(current);
        current = [];
        measure.textContent = "";
        measure.appendChild(li);
      }
      current.push(note.id);
    });
    if (current.length) result.push(current);
    measure.textContent = "";
    return result;
  }

  // The seconds each page stays up: the configured pace, quicker if the cycle would run long.
  function dwell(count) { return Math.min(PAGE_SECONDS, CYCLE_SECONDS / Math.max(1, count)); }

  function layout() {
    var items = shown();
    var keep = pages[page] && pages[page][0];
    var scale = 1;
    pages = paginate(items, scale);
    while (dwell(pages.length) < MIN_DWELL && scale > MIN_SCALE) {
      scale = Math.max(MIN_SCALE, Math.round((scale - 0.05) * 100) / 100);
      pages = paginate(items, scale);
    }
    root.dataset.pages = String(pages.length);
    root.dataset.interval = String(dwell(pages.length));
    root.dataset.scale = String(scale);
    // Stay on the page that was up (where its first note now is), else the first page.
    page = 0;
    pages.forEach(function (ids, i) { if (keep && ids.indexOf(keep) >= 0) page = i; });
    draw();
    document.getElementById("wall-empty").hidden = items.length > 0 || harvesting;
    schedule();
  }

  function draw() {
    list.textContent = "";
    (pages[page] || []).forEach(function (id) { list.appendChild(card(notes[id])); });
    var count = pages.reduce(function (n, ids) { return n + ids.length; }, 0);
    var line = document.getElementById("page-line");
    line.textContent = harvesting || !count ? "" :
      (pages.length > 1 ? t("wall_page", { page: page + 1, pages: pages.length }) + " · " : "") +
      t("wall_count", { count: count });
    var dots = document.getElementById("page-dots");
    dots.textContent = "";
    if (!harvesting && pages.length > 1) {
      pages.forEach(function (_, i) {
        var li = document.createElement("li");
        if (i === page) li.className = "on";
        dots.appendChild(li);
      });
    }
    root.dataset.page = String(page);
  }

  function turn() {
    if (pages.length < 2 || harvesting) return;
    var next = (page + 1) % pages.length;
    if (reduceMotion && reduceMotion.matches) { page = next; draw(); schedule(); return; }
    list.classList.add("turning");
    setTimeout(function () {
      page = next;
      draw();
      list.classList.remove("turning");
      schedule();
    }, 600);
  }
  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (pages.length > 1 && !harvesting) timer = setTimeout(turn, dwell(pages.length) * 1000);
  }

  // Many notes arrive at once on (re)connect or when a facilitator approves in bulk: lay out once.
  var pending = false;
  function relayout() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; layout(); });
  }
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { layout(); fitHarvest(); }, 200);
  });

  var countdown = new CafeCountdown(document.getElementById("timer"), null);
  countdown.quiet = { harvest: true, closed: true };  // the question slot says "Harvest" or "closed"
  var harvest = { words: [], k: 3, insights: [], votes: {} };
  function drawRound(clock, round, serverTime) {
    countdown.update(clock, serverTime, round);
    // Once closed, nobody can join: no join prompt; the harvest stays up with a thank-you.
    var closed = clock.phase === "closed";
    var wasHarvesting = harvesting;
    harvesting = clock.phase === "harvest" || closed;
    document.getElementById("question").textContent =
      closed ? t("closed_thanks") : harvesting ? t("harvest") : round.question;
    document.getElementById("join").hidden = closed;
    document.getElementById("harvest").hidden = !harvesting;
    list.hidden = harvesting;
    document.getElementById("wall-empty").classList.toggle("harvesting", harvesting);
    var changedRound = round.number !== roundNo;
    roundNo = round.number || 0;
    if (changedRound) pages = [];
    if (changedRound || wasHarvesting !== harvesting) layout();
    if (harvesting) fitHarvest();
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
    fitHarvest();
  }
  // Scale the harvest down until both columns fit; then the fewest-dotted insights and the rarest
  // words give way (the wall says how many insights are not shown).
  function fitHarvest() {
    var section = document.getElementById("harvest");
    if (section.hidden) return;
    var columns = section.querySelectorAll(".harvest-cols > div");
    function over() {
      for (var i = 0; i < columns.length; i++) if (overflows(columns[i], columns[i].clientHeight)) return true;
      return false;
    }
    var more = document.getElementById("insights-more");
    more.hidden = true;
    var h = 1;
    section.style.setProperty("--h", "1");
    while (over() && h > 0.5) {
      h = Math.round((h - 0.05) * 100) / 100;
      section.style.setProperty("--h", String(h));
    }
    var ol = document.getElementById("wall-insights");
    var cloud = document.getElementById("cloud");
    var hiddenCount = 0;
    while (overflows(columns[1], columns[1].clientHeight) && ol.children.length > 1) {
      ol.removeChild(ol.lastChild);
      hiddenCount += 1;
      more.hidden = false;
      more.textContent = t("more_insights", { count: hiddenCount });
    }
    while (overflows(columns[0], columns[0].clientHeight) && cloud.children.length > 1) {
      cloud.removeChild(cloud.lastChild);
    }
    root.dataset.harvestScale = String(h);
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
    notes = {};
    state.notes.forEach(function (note) { notes[note.id] = note; });
    drawHold(state.event.hold);
    setHarvest(state.harvest);
    roundNo = -1;  // draw the round afresh, then lay out its notes
    drawRound(state.event.clock, state.event.round, state.event.server_time);
  });
  socket.on("harvest_changed", function (data) { setHarvest(data.harvest); });
  socket.on("votes_changed", function (data) { harvest.votes = data.votes; drawInsights(); });
  socket.on("round_changed", function (data) { drawRound(data.clock, data.round, data.server_time); });
  socket.on("hold_changed", function (data) { drawHold(data.message); });
  socket.on("note_shown", function (data) { notes[data.note.id] = data.note; relayout(); });
  socket.on("note_removed", function (data) { delete notes[data.id]; relayout(); });
})();

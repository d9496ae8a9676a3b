// The phone's part of the rotation: "Move to table N" at each rotation, "I can't move tables",
// the host's briefing and key insights, and dot-voting in the harvest. See docs/PROTOCOL.md.
(function () {
  "use strict";

  window.CafeRotation = function (opts) {
    var t = window.cafeT;
    var socket = null, announced = "", claimed = false, pending = null, recapKey = "", expected = null;
    var hostKey = new URLSearchParams(window.location.search).get("host");
    function $(id) { return document.getElementById(id); }
    function rot() {
      var state = opts.getState();
      if (!state) return null;
      if (!state.rotation) state.rotation = { cannot_move: false, move: null, host: null, dots: 3, my_dots: {}, insights: [] };
      return state.rotation;
    }
    function phase() { var s = opts.getState(); return s ? s.event.clock.phase : "lobby"; }
    function say(text) { $("move-say").textContent = ""; window.setTimeout(function () { $("move-say").textContent = text; }, 50); }
    function showError(id, message) { $(id).textContent = message || ""; $(id).hidden = !message; }
    function connected() { return socket && socket.connected; }
    // A host who hears something worrying in a recap note sends it to the safeguarding lead.
    function recapSendButton(item) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "small";
      b.textContent = t("recap_send_to_lead");
      b.addEventListener("click", function () {
        if (!connected()) { showError("recap-error", t("offline_retry")); return; }
        socket.timeout(15000).emit("send_to_lead", { id: item.id }, function (err, ack) {
          if (err || !ack.ok) { showError("recap-error", err ? t("no_answer") : ack.error); return; }
          showError("recap-error", "");
          say(t("recap_sent_to_lead"));
        });
      });
      return b;
    }
    // Travellers move after this round (and it is not the last): the move break, "I can't move".
    function moveComing() {
      var state = opts.getState(), round = state.event.round;
      return !!round.move && round.number < round.count && ["harvest", "closed"].indexOf(phase()) < 0;
    }

    // ---- moving tables -------------------------------------------------------------------------
    function drawMove() {
      var r = rot(), state = opts.getState();
      if (!r) return;
      var moving = phase() === "ended" && moveComing();
      var move = moving && r.move && r.move.round === state.event.round.number + 1 ? r.move : null;
      // A host stays at their table, whatever the plan said before they took it over.
      if (moving && r.host) move = { round: state.event.round.number + 1, table: r.host.table, name: r.host.name, stay: true, host: true };
      $("cannot-move-choice").hidden = !moveComing();
      $("move").hidden = !moving;
      $("move-choose").hidden = !!move;
      $("move-name").hidden = !move;
      $("move-confirm").hidden = true;
      if (!move) { $("move-title").textContent = t("ended"); return; }
      var stay = move.stay || move.host || move.table === state.me.table;
      $("move-title").textContent = stay ? t("stay_at", { number: move.table }) : t("move_to", { number: move.table });
      $("move-name").textContent = move.name;
      $("move-text").textContent = move.host ? t("host_stay_text") : stay ? t("stay_text") : t("move_text");
      if (!stay) {
        $("move-confirm").textContent = t("move_confirm", { number: move.table });
        $("move-confirm").hidden = false;
      }
      var key = move.round + ":" + move.table + ":" + stay;
      if (announced !== key) {
        announced = key;
        say(stay ? t("stay_say", { number: move.table }) : t("move_say", { number: move.table, name: move.name }));
      }
    }

    function setCannotMove() {
      var box = $("cannot-move"), value = box.checked;
      if (!connected()) { box.checked = !value; window.alert(t("offline_retry")); return; }
      socket.timeout(15000).emit("set_cannot_move", { value: value }, function (err, ack) {
        if (err || !ack.ok) { box.checked = !value; return; }
        var r = rot();
        r.cannot_move = ack.cannot_move;
        if (ack.move) r.move = ack.move;
        drawMove();
      });
    }

    // ---- hosting -------------------------------------------------------------------------------
    function drawHost() {
      var r = rot();
      if (!r) return;
      var host = r.host;
      $("host").hidden = !host;
      if (!host) return;
      var round = opts.getState().event.round.number;
      if (host.round !== round) { host.round = round; host.insights = []; }  // a new round's insights
      cafeFill($("host-title"), "host_of", { number: host.table, name: host.name });
      // After the last round nobody arrives any more: thank the host instead of "stay and welcome".
      var state = opts.getState(), over = ["harvest", "closed"].indexOf(phase()) >= 0 ||
        (phase() === "ended" && state.event.round.number >= state.event.round.count);
      $("host-text").textContent = over ? t("host_done_text") : t("host_welcome_text");
      if (document.activeElement !== $("host-label")) $("host-label").value = host.label || "";
      $("host-known-as").textContent = host.pseudonym ? t("host_known_as", { name: host.pseudonym }) : "";
      var list = $("recap");
      list.textContent = "";
      host.recap.forEach(function (item) {
        var li = document.createElement("li");
        var round = document.createElement("span");
        round.className = "badge muted";
        round.textContent = t("recap_round", { number: item.round });
        var text = document.createElement("span");
        text.dir = "auto";
        text.textContent = " " + item.text;
        li.appendChild(round);
        if (item.consent === "paraphrase") {  // the writer asked not to be quoted word for word
          var own = document.createElement("span");
          own.className = "badge";
          own.textContent = t("recap_paraphrase");
          li.appendChild(document.createTextNode(" "));
          li.appendChild(own);
        }
        li.appendChild(text);
        li.appendChild(document.createTextNode(" "));
        li.appendChild(recapSendButton(item));
        list.appendChild(li);
      });
      $("recap-empty").hidden = host.recap.length > 0;
      // Opened again at each rotation and each new round: newcomers arrive as the round starts, and
      // the host briefs them from it. Only the host folds it away.
      var key = phase() + ":" + host.round;
      if (recapKey !== key) { recapKey = key; $("recap-box").open = true; }
      var mine = $("host-insights");
      mine.textContent = "";
      host.insights.forEach(function (insight) {
        var li = document.createElement("li");
        li.dir = "auto";
        li.textContent = insight.text;
        if (!insight.held && insight.wall !== "approved") {  // shown to everyone once approved
          var wait = document.createElement("span");
          wait.className = "small";
          wait.textContent = " (" + t(insight.wall === "hidden" ? "insight_not_shown" : "insight_waiting") + ")";
          li.appendChild(wait);
        }
        mine.appendChild(li);
      });
      var full = host.insights.length >= host.max_insights;
      $("insight-form").hidden = full;
      if (full) showError("insight-error", "");
    }

    function submitInsight(event) {
      event.preventDefault();
      var text = $("insight-text").value.trim();
      if (!text) { showError("insight-error", t("insight_empty")); return; }
      if (!connected()) { showError("insight-error", t("offline_retry")); return; }
      // A resend of the same words keeps its client id, so the server stores it once.
      if (!pending || pending.text !== text) pending = { client_id: CafeOutbox.newClientId(), text: text };
      var sending = pending;
      socket.timeout(15000).emit("submit_insight", sending, function (err, ack) {
        if (err) { showError("insight-error", t("no_answer")); return; }
        if (!ack.ok) { showError("insight-error", ack.error); return; }
        pending = null;
        showError("insight-error", "");
        $("insight-text").value = "";
        var host = rot().host;
        if (host && !host.insights.some(function (i) { return i.id === ack.insight.id; })) host.insights.push(ack.insight);
        drawHost();
        if ($("insight-form").hidden) say(t("insights_full"));
        // Words that look like a disclosure went to the safeguarding lead only: offer support.
        if (ack.insight.held && $("support")) { $("support").hidden = false; $("support").focus(); }
      });
    }

    // A table hosted by seat 1 with no host yet: the person in seat 1 says so from their phone.
    function drawSeatHost() {
      var r = rot(), state = opts.getState();
      if (!r) return;
      var offer = !r.host && r.seat_offer && state.me && r.seat_offer === state.me.table &&
        ["harvest", "closed"].indexOf(phase()) < 0;
      if (!offer && $("seat-host-error").hidden) { $("seat-host").hidden = true; return; }
      $("seat-host").hidden = false;
      $("seat-host-yes").hidden = !offer;
    }

    function claimSeat() {
      if (!connected()) { showError("seat-host-error", t("offline_retry")); return; }
      $("seat-host-yes").disabled = true;
      socket.timeout(15000).emit("claim_seat_host", {}, function (err, ack) {
        $("seat-host-yes").disabled = false;
        var r = rot();
        if (err) { showError("seat-host-error", t("no_answer")); return; }
        if (!ack.ok) { r.seat_offer = null; showError("seat-host-error", ack.error); drawSeatHost(); return; }
        showError("seat-host-error", "");
        r.seat_offer = null;
        r.host = ack.host;
        draw();
        $("host-title").focus();
      });
    }

    function saveLabel(event) {
      event.preventDefault();
      if (!connected()) { $("host-label-status").textContent = t("offline_retry"); return; }
      var label = $("host-label").value;
      socket.timeout(15000).emit("set_host_label", { label: label }, function (err, ack) {
        if (err || !ack.ok) { $("host-label-status").textContent = err ? t("no_answer") : ack.error; return; }
        var r = rot();
        if (r.host) r.host.label = ack.label;
        $("host-label").value = ack.label;
        $("host-label-status").textContent = ack.label ? t("host_label_saved", { label: ack.label }) : t("host_label_cleared");
      });
    }

    function claimFromLink(table) {
      if (!hostKey || claimed || !connected()) return;
      claimed = true;
      expected = table;
      socket.timeout(15000).emit("claim_host", { table: table, key: hostKey }, function (err, ack) {
        if (!err && ack.ok) { rot().host = ack.host; draw(); $("host-title").focus(); }
      });
    }

    // The server seated this phone somewhere it did not choose: say so, large and out loud.
    function tableChanged(had, table) {
      var mine = table === expected;
      expected = null;
      if (mine || had === table) { $("reseat").hidden = true; return; }
      var info = (opts.getState().event.tables || []).filter(function (x) { return x.number === table; })[0];
      var name = info ? info.name : "";
      $("reseat-title").textContent = t("move_to", { number: table });
      $("reseat-name").textContent = name;
      $("reseat-ok").textContent = t("move_confirm", { number: table });
      $("reseat").hidden = false;
      say(t("reseat_say", { number: table, name: name }));
    }

    // ---- dot-voting ----------------------------------------------------------------------------
    function drawHarvest() {
      var r = rot();
      if (!r) return;
      var on = phase() === "harvest";
      $("harvest").hidden = !on;
      if (!on) return;
      var used = 0;
      // Dots on an insight taken off the voting were given back (the server deleted them).
      Object.keys(r.my_dots).forEach(function (k) {
        if (r.insights.some(function (i) { return String(i.id) === k; })) used += r.my_dots[k];
      });
      var left = r.dots - used;
      $("dots-left").textContent = t("dots_left", { left: left, dots: r.dots });
      var list = $("vote-list");
      list.textContent = "";
      r.insights.forEach(function (insight) {
        var mine = r.my_dots[String(insight.id)] || 0;
        var li = document.createElement("li");
        var textId = "insight-" + insight.id;
        var p = document.createElement("p");
        p.id = textId;
        p.dir = "auto";
        p.className = "note-text";
        p.textContent = insight.text;
        var from = document.createElement("p");
        from.className = "small";
        from.textContent = t("from_table", { number: insight.table });
        var controls = document.createElement("p");
        controls.className = "actions dots";
        var minus = button("−", t("remove_dot"), textId, mine === 0, function () { setDots(insight.id, mine - 1); });
        var count = document.createElement("span");
        count.className = "dot-count";
        count.textContent = t("dots_on", { count: mine });
        var plus = button("+", t("add_dot"), textId, left === 0, function () { setDots(insight.id, mine + 1); });
        // The dots first, so that with large text on a small phone they are on the first screen.
        [minus, plus, count].forEach(function (el) { controls.appendChild(el); });
        [controls, p, from].forEach(function (el) { li.appendChild(el); });
        list.appendChild(li);
      });
      $("votes-empty").hidden = r.insights.length > 0;
    }

    function button(text, label, describedBy, disabled, handler) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = text;
      b.setAttribute("aria-label", label);
      b.setAttribute("aria-describedby", describedBy);
      b.disabled = disabled;
      b.addEventListener("click", handler);
      return b;
    }

    // A tap counts at once on the phone, so a quick second tap adds to the first instead of
    // sending the same total again; only the answer to the latest tap is drawn (an earlier one
    // arriving late would take the later tap back), and a refusal puts back what the server had.
    var votesSent = 0, votesAcked = null;
    function setDots(insight, dots) {
      if (!connected()) { showError("vote-error", t("offline_retry")); return; }
      var r = rot(), mine = {};
      if (votesAcked === null) votesAcked = r.my_dots;
      Object.keys(r.my_dots).forEach(function (k) { mine[k] = r.my_dots[k]; });
      mine[String(insight)] = dots;
      redrawVotes(mine);
      var sent = ++votesSent;
      socket.timeout(15000).emit("set_dots", { insight: insight, dots: dots }, function (err, ack) {
        if (!err && ack.ok) votesAcked = ack.my_dots;
        if (sent !== votesSent) return;
        var known = votesAcked;
        votesAcked = null;
        if (err) showError("vote-error", t("no_answer"));
        else if (!ack.ok) showError("vote-error", ack.error);
        else showError("vote-error", "");
        redrawVotes(known);
      });
    }

    function redrawVotes(myDots) {
      var focused = document.activeElement && document.activeElement.getAttribute("aria-label");
      var describedBy = document.activeElement && document.activeElement.getAttribute("aria-describedby");
      rot().my_dots = myDots;
      drawHarvest();
      // Keep the keyboard where it was: the list was redrawn.
      var again = document.querySelector('#vote-list button[aria-describedby="' + describedBy + '"][aria-label="' + focused + '"]');
      if (again && !again.disabled) again.focus();
    }

    // ---- wiring --------------------------------------------------------------------------------
    function draw() {
      var r = rot();
      if (!r) return;
      $("cannot-move").checked = !!r.cannot_move;
      drawMove();
      drawHost();
      drawSeatHost();
      drawHarvest();
    }

    $("cannot-move").addEventListener("change", setCannotMove);
    $("seat-host-yes").addEventListener("click", claimSeat);
    $("host-label-form").addEventListener("submit", saveLabel);
    $("insight-form").addEventListener("submit", submitInsight);
    $("reseat-ok").addEventListener("click", function () { $("reseat").hidden = true; $("note-text").focus(); });
    $("move-confirm").addEventListener("click", function () {
      var r = rot();
      if (r && r.move) opts.chooseTable(r.move.table);
    });

    return {
      draw: draw,
      claimFromLink: claimFromLink,
      tableChanged: tableChanged,
      expect: function (table) { expected = table; },
      bind: function (s) {
        socket = s;
        socket.on("move_assigned", function (data) { var r = rot(); if (!r) return; r.move = data.move; drawMove(); });
        socket.on("host_briefed", function (data) {
          var r = rot();
          if (!r) return;
          var was = !!r.host;
          r.host = data.host;
          drawHost();
          drawSeatHost();
          if (data.host && !was) say(t("host_of", { number: data.host.table, name: data.host.name }));
        });
        socket.on("seat_offer_changed", function (data) {
          var r = rot(), state = opts.getState();
          if (!r || !state.me || data.table !== state.me.table) return;
          r.seat_offer = data.offer ? data.table : null;
          drawSeatHost();
        });
        socket.on("insights_changed", function (data) { var r = rot(); if (!r) return; r.insights = data.insights; drawHarvest(); });
      }
    };
  };
})();

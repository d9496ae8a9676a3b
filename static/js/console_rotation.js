// The console's rotation panel: who sits where now and next round, hosts, late joiners to seat,
// and the hosts' key insights (with their dots in the harvest) as they arrive.
(function () {
  "use strict";
  window.CafeConsoleRotation = function (socket) {
    var rotation = null, insights = {}, votes = {};
    var marking = null;  // whose Mark button was pressed: it keeps the focus through the redraw
    var openChoose = {};  // tables whose "choose the host yourself" is open: kept through redraws
    var t = window.cafeT;
    function $(id) { return document.getElementById(id); }
    function el(tag, text, cls) {
      var e = document.createElement(tag);
      if (text !== undefined) e.textContent = text;
      if (cls) e.className = cls;
      return e;
    }
    function report(err, ack) {
      if (err || !ack.ok) {
        $("control-error").textContent = err ? t("no_answer_server") : ack.error;
        $("control-error").hidden = false;
      }
    }
    function people(list, mark) {
      if (!list.length) return t("nobody");
      return t("people_list", { count: list.length,
        names: list.map(function (p) { return p.pseudonym + (mark(p) || ""); }).join(", ") });
    }

    // Who hosts a table, in words the facilitator can act on: the words the host gave (and the
    // name on their phone), how they became host; or, with no host yet, who will and what to do.
    function hostWords(table) {
      var h = table.host;
      if (!h) {
        if (table.needs_host) return t(table.host_by === "link" ? "host_left_link" : "host_left_seat");
        return t(table.host_by === "link" ? "host_wait_link" : "host_wait_seat");
      }
      var who = h.label ? t("host_named", { label: h.label, name: h.pseudonym })
        : t("host_unnamed", { name: h.pseudonym });
      var via = h.via === "seat" ? "host_via_seat" : h.via === "link" ? "host_via_link" : "host_via_console";
      return t(via, { who: who }) + (h.here ? "" : " " + t("host_away"));
    }

    function hostCell(table) {
      var cell = el("td");
      var now = el("p", hostWords(table), "host-now" + (table.host ? "" : table.needs_host ? " needs-host" : " muted"));
      now.id = "host-now-" + table.number;
      now.dir = "auto";
      cell.appendChild(now);

      var by = el("select");
      by.id = "host-by-" + table.number;
      by.dataset.table = table.number;
      by.appendChild(new Option(t("host_by_seat"), "seat", false, table.host_by !== "link"));
      by.appendChild(new Option(t("host_by_link"), "link", false, table.host_by === "link"));
      var byLabel = el("label", t("host_by_label", { number: table.number }), "visually-hidden");
      byLabel.htmlFor = by.id;
      by.addEventListener("change", function () {
        $("control-error").hidden = true;
        socket.timeout(10000).emit("set_host_by", { table: table.number, by: by.value }, report);
      });
      var line = el("p", undefined, "host-by");
      line.appendChild(byLabel);
      line.appendChild(by);
      line.appendChild(document.createTextNode(" "));
      var link = el("a", t("host_link"), "host-link");
      link.href = table.host_link;
      link.setAttribute("aria-label", t("host_link_label", { number: table.number }));
      line.appendChild(link);
      cell.appendChild(line);

      var more = el("details", undefined, "host-choose");
      more.appendChild(el("summary", t("host_choose")));
      var select = el("select");
      select.id = "host-pick-" + table.number;
      select.setAttribute("aria-label", t("host_of_table", { number: table.number, name: table.name }));
      select.appendChild(new Option(t("no_host"), ""));
      var choices = table.now.slice();
      if (table.host && !choices.some(function (p) { return p.id === table.host.id; })) choices.unshift(table.host);
      choices.forEach(function (p) {
        select.appendChild(new Option(p.pseudonym, String(p.id), false, table.host && table.host.id === p.id));
      });
      select.addEventListener("change", function () {
        $("control-error").hidden = true;
        if (select.value) {
          socket.timeout(10000).emit("set_host", { participant: parseInt(select.value, 10), table: table.number }, report);
        } else if (table.host) {
          socket.timeout(10000).emit("set_host", { participant: table.host.id, table: null }, report);
        }
      });
      more.appendChild(select);
      if (openChoose[table.number]) more.open = true;
      more.addEventListener("toggle", function () { openChoose[table.number] = more.open; });
      cell.appendChild(more);
      return cell;
    }

    var PEOPLE_OPEN = 8;
    var peopleBox = $("people-list").closest("details");
    if (peopleBox) {
      peopleBox.querySelector("summary").addEventListener("click", function () { peopleBox.dataset.chosen = "yes"; });
    }
    function drawPeople() {
      var list = $("people-list");
      var active = document.activeElement;
      var focused = list.contains(active) ? active.dataset.person
        : (!active || active === document.body) ? marking : null;
      list.textContent = "";
      var everyone = rotation.people || [];
      everyone.forEach(function (p) {
        var li = el("li");
        var who = el("span", p.left ? t("person_left", { name: p.pseudonym })
          : p.table ? t("person_at", { name: p.pseudonym, table: p.table })
          : t("person_no_table", { name: p.pseudonym }));
        who.id = "person-" + p.id;
        li.appendChild(who);
        var button = el("button", p.left ? t("mark_back") : t("mark_left"));
        button.appendChild(el("span", ", " + p.pseudonym, "visually-hidden"));  // whom, in its name
        button.type = "button";
        button.dataset.person = String(p.id);
        button.setAttribute("aria-describedby", who.id);  // whom it marks
        button.addEventListener("click", function () {
          $("control-error").hidden = true;
          marking = String(p.id);
          button.disabled = true;
          socket.timeout(10000).emit(p.left ? "mark_back" : "mark_left", { participant: p.id }, function (err, ack) {
            button.disabled = false;
            if (document.activeElement === document.body && marking) {
              var again = list.querySelector('[data-person="' + marking + '"]');
              if (again) again.focus();
            }
            marking = null;
            report(err, ack);
            if (!err && ack.ok) $("people-say").textContent = t(p.left ? "marked_back" : "marked_left", { name: p.pseudonym });
          });
        });
        li.appendChild(button);
        list.appendChild(li);
        if (focused === String(p.id)) button.focus();  // redrawn after the change: keep the place
      });
      $("people-empty").hidden = everyone.length > 0;
      // A long list folds away (the notes come first); a short one stays open. The facilitator's
      // own choice wins once they have opened or closed it.
      var box = list.closest("details");
      if (box && !box.dataset.chosen) box.open = everyone.length <= PEOPLE_OPEN;
    }

    // On a narrow screen each table is a block; its cells say which column they are.
    var labels = Array.prototype.map.call(document.querySelectorAll("table.plan thead th"),
      function (th) { return th.textContent; });
    function cell(td, column) { td.dataset.label = labels[column] || ""; return td; }

    function draw() {
      if (!rotation) return;
      var rows = $("plan-rows");
      // Keep the keyboard on the control it was on: the rows are rebuilt at every change.
      var focusId = rows.contains(document.activeElement) ? document.activeElement.id : "";
      rows.textContent = "";
      rotation.tables.forEach(function (table) {
        var tr = el("tr");
        var th = el("th", table.number + " · ");
        var name = document.createElement("bdi");
        name.textContent = table.name;
        th.appendChild(name);
        th.scope = "row";
        tr.appendChild(th);
        tr.appendChild(cell(hostCell(table), 1));
        tr.appendChild(cell(el("td", people(table.now, function (p) { return p.cannot_move ? " " + t("cant_move") : ""; })), 2));
        tr.appendChild(cell(el("td", rotation.planned
          ? people(table.next, function (p) { return p.moving ? " " + t("arriving") : ""; }) : "—"), 3));
        tr.dataset.table = table.number;
        rows.appendChild(tr);
      });
      if (focusId && $(focusId)) $(focusId).focus();
      $("rotation-summary").textContent = rotation.planned
        ? t("planned", { number: rotation.next_round,
            sizes: rotation.tables.map(function (table) { return table.next.length; }).join(", ") })
        : t("not_planned");
      var late = $("late-list");
      late.textContent = "";
      rotation.late.forEach(function (p) {
        late.appendChild(el("li", p.table ? t("late_at_table", { name: p.pseudonym, table: p.table })
          : t("late_no_table", { name: p.pseudonym })));
      });
      $("late-empty").hidden = rotation.late.length > 0;
      $("seat-late").disabled = rotation.late.length === 0;
      drawPeople();
    }

    // Insights are moderated like notes: Approve / Hide, and "Remove personal details" first
    // when something is flagged; the wall and the phones' voting get only approved ones.
    function moderate(event, id) {
      $("control-error").hidden = true;
      var payload = event === "send_to_lead" ? { id: id, kind: "insight" } : { id: id };
      socket.timeout(10000).emit(event, payload, report);
    }
    function insightButton(label, event, i) {
      var b = el("button", label);
      if (!i.held && window.CafeFirstWords) b.appendChild(el("span", ", " + window.CafeFirstWords(i.text || ""), "visually-hidden"));
      b.type = "button";
      b.setAttribute("aria-describedby", "insight-" + i.id);
      b.addEventListener("click", function () { moderate(event, i.id); });
      return b;
    }
    function insightText(i) {
      var text = el("span");
      text.id = "insight-" + i.id;
      text.dir = "auto";
      if (i.held) { text.textContent = t("insight_held"); return text; }
      var at = 0;
      (i.spans || []).forEach(function (span) {  // the personal details "Remove" takes out
        text.appendChild(document.createTextNode(i.text.slice(at, span[0])));
        var mark = el("mark", i.text.slice(span[0], span[1]));
        mark.title = span[2];
        text.appendChild(mark);
        at = span[1];
      });
      text.appendChild(document.createTextNode(i.text.slice(at)));
      return text;
    }
    function drawInsights() {
      var list = $("insight-list");
      list.textContent = "";
      var all = Object.keys(insights).map(function (k) { return insights[k]; });
      all.sort(function (a, b) { return (votes[String(b.id)] || 0) - (votes[String(a.id)] || 0) || a.id - b.id; });
      all.forEach(function (i) {
        var li = el("li", undefined, "wall-" + i.wall);
        li.dataset.id = i.id;
        li.appendChild(insightText(i));
        var state = i.wall === "approved" ? t("on_wall") : i.wall === "hidden" ? t("hidden") : t("awaiting");
        li.appendChild(el("span", " · " + t("insight_from", { table: i.table, round: i.round }) + " · " + state +
          (votes[String(i.id)] ? " · " + t("dot_count", { count: votes[String(i.id)] }) : ""), "muted"));
        var flags = (i.flags || []).filter(function (f) { return f.indexOf("personal:") === 0; });
        flags.forEach(function (f) {
          li.appendChild(el("p", t("personal_flag", { kind: f.replace("personal:", "") }), "flag"));
        });
        if (!i.held) {
          var actions = el("p", undefined, "actions");
          if ((i.spans || []).length) actions.appendChild(insightButton(t("redact"), "redact_insight", i));
          if (i.wall !== "approved" && !flags.length) actions.appendChild(insightButton(t("approve"), "approve_insight", i));
          if (i.wall !== "hidden") actions.appendChild(insightButton(i.wall === "approved" ? t("take_down") : t("hide"), "hide_insight", i));
          actions.appendChild(insightButton(t("send_to_lead"), "send_to_lead", i));
          li.appendChild(actions);
        }
        list.appendChild(li);
      });
      $("insights-empty").hidden = all.length > 0;
    }

    $("seat-late").addEventListener("click", function () {
      $("control-error").hidden = true;
      socket.timeout(10000).emit("seat_late_joiners", {}, report);
    });
    socket.on("console_state", function (state) {
      rotation = state.rotation;
      insights = {};
      (state.insights || []).forEach(function (i) { insights[i.id] = i; });
      votes = state.votes || {};
      draw();
      drawInsights();
    });
    socket.on("rotation_changed", function (data) { rotation = data.rotation; draw(); });
    socket.on("insight_added", function (data) {
      insights[data.insight.id] = data.insight;
      drawInsights();
      $("insight-say").textContent = t("new_insight_at", { table: data.insight.table });
    });
    socket.on("insight_changed", function (data) {
      // Keep the keyboard on the insight whose button was pressed: the list is redrawn.
      var focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("#insight-list li");
      insights[data.insight.id] = data.insight;
      drawInsights();
      if (focused && focused.dataset.id === String(data.insight.id)) {
        var again = $("insight-list").querySelector('li[data-id="' + data.insight.id + '"] button');
        if (again) again.focus();
      }
    });
    socket.on("votes_changed", function (data) { votes = data.votes; drawInsights(); });
  };
})();

// The facilitator console: notes arrive live per table; approve or hide each for the wall.
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) return;
  var notes = {}, presence = {}, participants = 0;
  var FLAG_LABELS = { disclosure: "Held for the safeguarding lead" };
  var CONSENT = { quote: "may be quoted", paraphrase: "paraphrase only", none: "do not quote" };

  function $(id) { return document.getElementById(id); }
  function column(table) { return root.querySelector('.table-col[data-table="' + table + '"]'); }

  function flagText(flag) {
    if (FLAG_LABELS[flag]) return FLAG_LABELS[flag];
    if (flag.indexOf("personal:") === 0) return "Personal details (" + flag.slice(9) + ")";
    return flag;
  }

  function act(event, id) {
    socket.timeout(10000).emit(event, { id: id }, function (err, ack) {
      if (err) { $("status").textContent = "No answer from the server – try again."; return; }
      if (!ack.ok) { $("status").textContent = ack.error; }
    });
  }

  function noteElement(note) {
    var li = document.createElement("li");
    li.className = "note wall-" + note.wall + (note.status === "withdrawn" ? " withdrawn" : "");
    li.dataset.id = note.id;
    var text = document.createElement("p");
    text.className = "note-text";
    text.id = "n" + note.id;
    if (note.status === "withdrawn") text.textContent = "Withdrawn by the writer.";
    else if (note.held) text.textContent = "This note is held for the safeguarding lead.";
    else text.textContent = note.text;
    li.appendChild(text);
    var meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = "Round " + note.round + " · " + (note.pseudonym || "anonymous") + " · " +
      (CONSENT[note.consent] || "") + " · " + (note.wall === "approved" ? "on the wall" :
      note.wall === "hidden" ? "hidden" : "awaiting approval");
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
      if (note.wall !== "approved" && !blocked) actions.appendChild(button("Approve", "approve_note", note));
      if (note.wall !== "hidden") actions.appendChild(button(note.wall === "approved" ? "Take down" : "Hide", "hide_note", note));
      li.appendChild(actions);
    }
    return li;
  }

  function button(label, event, note) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
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
      el.textContent = n === 1 ? "1 phone" : n + " phones";
    });
    $("count-phones").textContent = total + (presence["0"] || 0);
    $("count-people").textContent = participants;
  }

  var socket = io("/console", { auth: { event: root.dataset.slug } });
  socket.on("connect", function () { $("status").textContent = "Live"; });
  socket.on("disconnect", function () { $("status").textContent = "Reconnecting…"; });
  socket.on("connect_error", function (error) { $("status").textContent = error.message || "Cannot connect."; });
  socket.on("console_state", function (state) {
    notes = {};
    root.querySelectorAll("[data-notes]").forEach(function (l) { l.textContent = ""; });
    state.notes.forEach(function (n) { notes[n.id] = n; place(n); });
    presence = state.presence.tables;
    participants = state.participants;
    $("round-line").textContent = "Round " + state.event.round.number + " of " + state.event.round.count +
      ": " + state.event.round.question;
    counts();
  });
  socket.on("note_added", function (data) {
    notes[data.note.id] = data.note;
    place(data.note);
    counts();
    $("new-notes").textContent = "New note at table " + data.note.table;
  });
  socket.on("note_changed", function (data) { notes[data.note.id] = data.note; place(data.note); counts(); });
  socket.on("presence_changed", function (data) { presence = data.tables; counts(); });
  $("only-pending").addEventListener("change", function () {
    root.querySelectorAll(".note").forEach(function (el) { applyFilter(el, notes[el.dataset.id]); });
  });
})();

// The safeguarding lead's live queue: new items first; acknowledge, resolve, reopen.
(function () {
  "use strict";
  var root = document.getElementById("queue-root");
  if (!root) return;
  var items = {};
  var where = {};  // note id -> where its writer is now (whereabouts)
  var t = window.cafeT;
  var LABEL = { "new": t("status_new"), acknowledged: t("status_acknowledged"), resolved: t("status_resolved") };
  var ORDER = { "new": 0, acknowledged: 1, resolved: 2 };
  function $(id) { return document.getElementById(id); }

  function button(label, item, status) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.setAttribute("aria-describedby", "item-" + item.id);
    b.addEventListener("click", function () {
      socket.timeout(10000).emit("set_item_status", { id: item.id, status: status }, function (err, ack) {
        if (err || !ack.ok) $("status").textContent = err ? t("no_answer_server") : ack.error;
      });
    });
    return b;
  }

  function element(item) {
    var li = document.createElement("li");
    li.className = "item sg-" + item.sg_status;
    var text = document.createElement("p");
    text.className = "note-text";
    text.dir = "auto";
    text.id = "item-" + item.id;
    text.textContent = item.status === "withdrawn" ? t("withdrawn_item") : item.text;
    var meta = document.createElement("p");
    meta.className = "meta";
    meta.textContent = t("item_meta", {
      status: LABEL[item.sg_status], table: item.table, round: item.round,
      writer: item.pseudonym || t("anonymous"),
      time: new Date(item.created_at).toLocaleTimeString(document.documentElement.lang || undefined)
    }) + (item.sg_updated_by ? " · " + t("updated_by", { status: LABEL[item.sg_status].toLowerCase(), name: item.sg_updated_by }) : "");
    var now = document.createElement("p");
    now.className = "where-now";
    now.textContent = whereText(where[item.id]);
    var actions = document.createElement("p");
    actions.className = "actions";
    if (item.sg_status === "new") actions.appendChild(button(t("acknowledge"), item, "acknowledged"));
    if (item.sg_status !== "resolved") actions.appendChild(button(t("resolve"), item, "resolved"));
    else actions.appendChild(button(t("reopen"), item, "new"));
    if (item.status !== "withdrawn") actions.appendChild(returnButton(item));
    var parts = [text, now, meta];
    if (item.sent_by_hand && item.sg_status === "new" && item.sg_updated_by) {
      var by = document.createElement("p");
      by.className = "meta sent-by";
      by.textContent = t("sent_by_hand", { name: item.sg_updated_by });
      parts.push(by);
    }
    parts.push(actions);
    if (item.status !== "withdrawn") parts.push(messageForm(item));
    parts.forEach(function (el) { li.appendChild(el); });
    return li;
  }

  // "Not a disclosure": the note goes back to the facilitator's normal moderation.
  function returnButton(item) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "return";
    b.textContent = t("return_note");
    b.setAttribute("aria-describedby", "item-" + item.id);
    b.addEventListener("click", function () {
      if (!window.confirm(t("confirm_return"))) return;
      socket.timeout(10000).emit("return_note", { id: item.id }, function (err, ack) {
        if (err || !ack.ok) $("status").textContent = err ? t("no_answer_server") : ack.error;
      });
    });
    return b;
  }

  // A quiet word to the writer's phone only; nothing is kept, here or on the server.
  // Each form is made once and moved into the redrawn item, so an open form and what the lead is
  // typing survive the queue's redraws (whereabouts arrive every few seconds).
  var forms = {};
  function messageForm(item) {
    if (!forms[item.id]) forms[item.id] = newMessageForm(item);
    return forms[item.id];
  }
  function newMessageForm(item) {
    var box = document.createElement("details");
    box.className = "message-writer";
    var summary = document.createElement("summary");
    summary.textContent = t("message_writer");
    var form = document.createElement("form");
    var label = document.createElement("label");
    label.htmlFor = "message-" + item.id;
    label.textContent = t("message_label");
    var text = document.createElement("textarea");
    text.id = "message-" + item.id;
    text.maxLength = 300;
    text.rows = 2;
    text.value = t("message_default");
    var send = document.createElement("button");
    send.type = "submit";
    send.textContent = t("message_send");
    var said = document.createElement("p");
    said.className = "message-said";
    said.setAttribute("role", "status");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      socket.timeout(10000).emit("message_writer", { id: item.id, text: text.value }, function (err, ack) {
        if (err || !ack.ok) { said.textContent = err ? t("no_answer_server") : ack.error; return; }
        said.textContent = t("message_sent", {
          time: new Date(ack.sent_at).toLocaleTimeString(document.documentElement.lang || undefined)
        }) + (ack.connected === false ? " " + t("message_offline") : "");
      });
    });
    [label, text, send, said].forEach(function (el) { form.appendChild(el); });
    box.appendChild(summary);
    box.appendChild(form);
    return box;
  }

  // Where the person is now: the table they wrote at may be long behind them.
  function whereText(w) {
    if (!w) return t("where_checking");
    if (!w.known) return t("where_unknown");
    if (w.left) return t("where_left");
    if (w.table === null) return t("where_unseated");
    return t("where_now", { table: w.table, name: w.name }) +
      (w.connected === false ? " · " + t("where_offline") : "");
  }

  function draw() {
    var active = document.activeElement, from = null, to = null;
    if (active && active.tagName === "TEXTAREA") { from = active.selectionStart; to = active.selectionEnd; }
    redraw();
    if (active && active !== document.activeElement && document.body.contains(active)) {
      active.focus();
      if (from !== null) active.setSelectionRange(from, to);
    }
  }

  function redraw() {
    var list = $("items");
    list.textContent = "";
    var all = Object.keys(items).map(function (k) { return items[k]; });
    all.sort(function (a, b) { return ORDER[a.sg_status] - ORDER[b.sg_status] || b.id - a.id; });
    all.forEach(function (item) { list.appendChild(element(item)); });
    $("empty").hidden = all.length > 0;
    var count = function (s) { return all.filter(function (i) { return i.sg_status === s; }).length; };
    $("count-new").textContent = count("new");
    $("count-ack").textContent = count("acknowledged");
    $("count-done").textContent = count("resolved");
    document.title = (count("new") ? "(" + count("new") + ") " : "") + t("title");
  }

  var socket = io("/safeguarding", { auth: { event: root.dataset.slug } });
  socket.on("connect", function () { $("status").textContent = t("live"); });
  socket.on("disconnect", function () { $("status").textContent = t("reconnecting"); });
  socket.on("connect_error", function (e) { $("status").textContent = e.message || t("cannot_connect"); });
  socket.on("queue_state", function (state) {
    items = {};
    state.items.forEach(function (i) { items[i.id] = i; });
    where = state.whereabouts || {};
    draw();
  });
  socket.on("whereabouts", function (data) {
    where = data.items;
    draw();
  });
  socket.on("item_returned", function (data) {
    delete items[data.id];
    delete forms[data.id];
    draw();
  });
  socket.on("item_changed", function (data) {
    var isNew = !items[data.item.id];
    items[data.item.id] = data.item;
    draw();
    if (isNew) $("alert").textContent = t("new_item_at", { table: data.item.table });
  });
})();

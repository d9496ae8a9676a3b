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
    [text, now, meta, actions].forEach(function (el) { li.appendChild(el); });
    return li;
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
  socket.on("item_changed", function (data) {
    var isNew = !items[data.item.id];
    items[data.item.id] = data.item;
    draw();
    if (isNew) $("alert").textContent = t("new_item_at", { table: data.item.table });
  });
})();

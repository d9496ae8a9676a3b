// The new-event form: each field is checked as it is left (in plain words, beside the field), a
// round's question without a language the phones offer gets a warning, and "Add a round" adds one.
(function () {
  "use strict";
  var form = document.getElementById("event-form");
  if (!form) return;
  var t = window.cafeT;

  function messageFor(input) {
    var id = input.id + "-error";
    var p = document.getElementById(id);
    if (!p) {
      p = document.createElement("p");
      p.id = id;
      p.className = "error field-error";
      p.hidden = true;
      input.insertAdjacentElement("afterend", p);
      var by = input.getAttribute("aria-describedby");
      input.setAttribute("aria-describedby", (by ? by + " " : "") + id);
    }
    return p;
  }

  function problem(input) {
    var value = input.value.trim(), kind = input.dataset.check;
    if (kind === "required") return value ? "" : input.dataset.message;
    if (kind === "pattern") return !value || new RegExp("^(?:" + input.pattern + ")$").test(value) ? "" : input.dataset.message;
    if (kind === "range") {
      if (!value && !input.required) return "";
      var n = Number(value);
      var ok = /^\d+$/.test(value) && n >= Number(input.min) && n <= Number(input.max);
      return ok ? "" : input.dataset.message;
    }
    return "";
  }

  function check(input) {
    var text = problem(input);
    var p = messageFor(input);
    p.textContent = text;
    p.hidden = !text;
    input.setAttribute("aria-invalid", text ? "true" : "false");
    return !text;
  }

  // A question with no text in a language the phones offer: say which, beside the round.
  function checkLanguages() {
    var any = false;
    form.querySelectorAll("[data-round]").forEach(function (box) {
      var question = box.querySelector("[data-question]").value.trim();
      var missing = [];
      box.querySelectorAll("[data-language]").forEach(function (input) {
        if (question && !input.value.trim()) missing.push(input.dataset.languageName);
      });
      var note = box.querySelector("[data-missing]");
      note.textContent = missing.length ? t("missing_language", { languages: missing.join(", ") }) : "";
      note.hidden = !missing.length;
      any = any || missing.length > 0;
    });
    var summary = document.getElementById("form-missing");
    summary.textContent = any ? t("missing_summary") : "";
    summary.hidden = !any;
  }

  form.addEventListener("focusout", function (e) {
    if (e.target.dataset && e.target.dataset.check) check(e.target);
  });
  form.addEventListener("input", function (e) {
    // Once a field has said what is wrong, it says when it is right again as you type.
    if (e.target.getAttribute && e.target.getAttribute("aria-invalid") === "true") check(e.target);
    if (e.target.dataset && (e.target.dataset.language !== undefined || e.target.dataset.question !== undefined)) checkLanguages();
  });
  form.addEventListener("submit", function (e) {
    if (e.submitter && e.submitter.name === "as_plan") return;
    var first = null;
    form.querySelectorAll("[data-check]").forEach(function (input) {
      if (!check(input) && !first) first = input;
    });
    if (first) { e.preventDefault(); first.focus(); }
  });

  var add = document.getElementById("add-round");
  var list = document.getElementById("round-list");
  add.hidden = false;
  add.addEventListener("click", function () {
    var boxes = list.querySelectorAll("[data-round]");
    if (boxes.length >= 20) return;
    var n = boxes.length + 1;
    var box = boxes[boxes.length - 1].cloneNode(true);
    box.querySelector(".round-title").textContent = box.querySelector(".round-title").textContent.replace(/\d+/, String(n));
    box.querySelectorAll("input").forEach(function (input) {
      var old = input.id;
      input.id = old.replace(/\d+$/, String(n));
      var label = box.querySelector('label[for="' + old + '"]');
      if (label) label.htmlFor = input.id;
      input.value = input.type === "number" ? "20" : "";
      input.removeAttribute("required");
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
      if (input.dataset.question !== undefined) delete input.dataset.check;
    });
    box.querySelectorAll(".field-error").forEach(function (p) { p.remove(); });
    box.querySelector("[data-missing]").hidden = true;
    list.appendChild(box);
    box.querySelector("[data-question]").focus();
    if (n >= 20) add.hidden = true;
  });
  checkLanguages();
})();

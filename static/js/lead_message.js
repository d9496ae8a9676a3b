// The safeguarding lead's private word to this phone only: shown until its reader closes it,
// never kept (not in storage, not in the page once closed), never on another screen.
(function () {
  "use strict";
  var t = window.cafeT;
  function $(id) { return document.getElementById(id); }
  window.CafeLeadMessage = function (text) {
    var box = $("lead-message");
    if (!box) {
      box = document.createElement("section");
      box.id = "lead-message";
      box.className = "lead-message";
      box.setAttribute("role", "alertdialog");
      box.setAttribute("aria-labelledby", "lead-message-title");
      box.setAttribute("aria-describedby", "lead-message-text");
      box.tabIndex = -1;
      var title = document.createElement("h2");
      title.id = "lead-message-title";
      title.textContent = t("lead_message_title");
      var words = document.createElement("p");
      words.id = "lead-message-text";
      words.dir = "auto";
      var close = document.createElement("button");
      close.type = "button";
      close.id = "lead-message-close";
      close.textContent = t("lead_message_close");
      close.addEventListener("click", function () {
        box.hidden = true;
        $("lead-message-text").textContent = "";
      });
      box.appendChild(title);
      box.appendChild(words);
      box.appendChild(close);
      var main = document.querySelector("main") || document.body;
      main.insertBefore(box, main.firstChild);
    }
    $("lead-message-text").textContent = text;
    box.hidden = false;
    box.focus();
  };
})();

// "Exit this page": leave at once for a blank page, replacing this entry in the history so that
// Back does not return here. Also on pressing Shift three times (the GOV.UK pattern).
(function () {
  "use strict";
  var target = "/exit";
  function leave(event) {
    if (event) event.preventDefault();
    document.body.hidden = true;
    document.title = "New tab";
    window.location.replace(target);
  }
  document.querySelectorAll("[data-exit]").forEach(function (link) {
    target = link.getAttribute("href") || target;
    link.addEventListener("click", leave);
  });
  // Changing language replaces this page too, so the history stays one entry long.
  document.querySelectorAll("[data-lang-link]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      window.location.replace(link.href);
    });
  });
  var shifts = 0, timer = null;
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") { shifts = 0; return; }
    shifts += 1;
    clearTimeout(timer);
    timer = setTimeout(function () { shifts = 0; }, 1200);
    if (shifts >= 3) leave();
  });
})();

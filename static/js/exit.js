// "Exit this page": leave at once for a blank page, replacing this entry in the history so that
// Back does not return here. Also on pressing Shift three times (the GOV.UK pattern).
(function () {
  "use strict";
  var target = "/exit";
  // Leaving also makes this phone forget what was written: the tab's copy of the notes and the
  // draft go now, the server ends the pass when /exit loads, and the mark below makes the café page
  // show the notice afresh even if /exit never reached the server. Notes still waiting are sent in
  // the background with their send-only key, never shown (docs/PROTOCOL.md, "Exit this page").
  function forget() {
    try {
      Object.keys(sessionStorage).forEach(function (k) {
        if (k.indexOf("cafe-") === 0) sessionStorage.removeItem(k);
      });
      localStorage.setItem("cafe-exited", "1");
    } catch (e) { /* storage off: the server still ends the pass */ }
    if (window.caches) caches.delete("cafe-pages-v1").catch(function () {});
  }
  function leave(event) {
    if (event) event.preventDefault();
    document.body.hidden = true;
    document.title = "New tab";
    forget();
    window.location.replace(target);
  }
  // [data-exit-link]: another way out on a screen (the goodbye screen), beside the bar's own.
  document.querySelectorAll("[data-exit], [data-exit-link]").forEach(function (link) {
    target = link.getAttribute("href") || target;
    link.addEventListener("click", leave);
  });
  // Changing language replaces this page too, so the history stays one entry long.
  document.querySelectorAll("[data-lang-link], [data-lang-foot]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      window.location.replace(link.href);
    });
  });
  // With large text the bar (languages and exit) can fill half a small screen. Then it scrolls away
  // with the page and only "Exit this page" stays in view, in the corner.
  // "Exit this page" then becomes a thin strip across the top: the page starts below it, and what
  // gets the focus is scrolled clear of it, so it never covers the text being read.
  var bar = document.querySelector(".bar");
  var exitLink = document.querySelector("a[data-exit]");
  function fit() {
    document.body.classList.remove("bar-tall");
    document.body.style.paddingTop = "";
    var tall = bar && bar.offsetHeight > window.innerHeight / 4;
    if (tall) document.body.classList.add("bar-tall");
    var strip = tall && exitLink ? exitLink.offsetHeight : 0;
    if (tall) document.body.style.paddingTop = strip + "px";
    // What gets the focus or is scrolled to is never hidden under the sticky bar (CSSOM: CSP allows it).
    document.documentElement.style.scrollPaddingTop = bar ? ((tall ? strip : bar.offsetHeight) + 8) + "px" : "";
  }
  // The bar (and, at a table, the page: its languages are at the foot then) change size with the text.
  if (bar && window.ResizeObserver) {
    var observer = new ResizeObserver(fit);
    observer.observe(bar);
    if (document.querySelector(".languages-foot")) observer.observe(document.querySelector(".languages-foot"));
  }
  window.addEventListener("resize", fit);
  fit();
  var shifts = 0, timer = null;
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") { shifts = 0; return; }
    shifts += 1;
    clearTimeout(timer);
    timer = setTimeout(function () { shifts = 0; }, 1200);
    if (shifts >= 3) leave();
  });
})();

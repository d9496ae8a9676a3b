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
  document.querySelectorAll("[data-lang-link]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      window.location.replace(link.href);
    });
  });
  // With large text the bar (languages and exit) can fill half a small screen. Then it scrolls away
  // with the page and only "Exit this page" stays in view, in the corner.
  var bar = document.querySelector(".bar");
  function fit() {
    document.body.classList.remove("bar-tall");
    var tall = bar && bar.offsetHeight > window.innerHeight / 4;
    if (tall) document.body.classList.add("bar-tall");
    // What gets the focus or is scrolled to is never hidden under the sticky bar (CSSOM: CSP allows it).
    document.documentElement.style.scrollPaddingTop = bar && !tall ? (bar.offsetHeight + 8) + "px" : "";
  }
  if (bar && window.ResizeObserver) new ResizeObserver(fit).observe(bar);
  window.addEventListener("resize", fit);
  fit();
  // At large text the floating "Exit this page" keeps clear of the field being typed in: it sits at
  // the end of the screen (top or bottom) with more room beside the field.
  function clear() {
    var field = document.activeElement, top = false;
    if (document.body.classList.contains("bar-tall") && field && /^(TEXTAREA|INPUT|SELECT)$/.test(field.tagName)) {
      var box = field.getBoundingClientRect();
      top = box.top > window.innerHeight - box.bottom;
    }
    document.body.classList.toggle("exit-top", top);
  }
  document.addEventListener("focusin", clear);
  document.addEventListener("focusout", function () { setTimeout(clear, 0); });
  window.addEventListener("scroll", clear, { passive: true });
  window.addEventListener("resize", clear);

  var shifts = 0, timer = null;
  document.addEventListener("keyup", function (event) {
    if (event.key !== "Shift") { shifts = 0; return; }
    shifts += 1;
    clearTimeout(timer);
    timer = setTimeout(function () { shifts = 0; }, 1200);
    if (shifts >= 3) leave();
  });
})();

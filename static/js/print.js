// A Print button for print views (it is hidden until this script runs, so without scripts the
// page's words still say how to print from the browser's menu).
(function () {
  "use strict";
  var button = document.getElementById("print-button");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();

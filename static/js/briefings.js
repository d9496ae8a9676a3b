// New draft form: ticking a theme chooses "The themes ticked below", and picking a frame chooses
// "One frame", so a tick is never silently ignored (the server refuses a mismatch too).
(function () {
  "use strict";
  var form = document.getElementById("new-draft-form");
  if (!form) return;

  function choose(kind) {
    var radio = form.querySelector('input[name="kind"][value="' + kind + '"]');
    if (radio) radio.checked = true;
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target.name === "theme" && target.checked) choose("themes");
    if (target.name === "frame") choose("frame");
  });
})();

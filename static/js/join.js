// Join by code without leaving the join page in the history (so "Exit this page" leaves no trace).
(function () {
  "use strict";
  var form = document.querySelector("[data-join-form]");
  if (!form) return;
  form.addEventListener("submit", function (event) {
    var code = form.querySelector("input[name=code]").value.trim();
    event.preventDefault();
    window.location.replace(form.getAttribute("action") + "?code=" + encodeURIComponent(code));
  });
})();

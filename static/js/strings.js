// Words for the page's scripts, translated on the server: window.cafeT("key", {name: value}).
(function () {
  "use strict";
  var block = document.getElementById("strings");
  var strings = block ? JSON.parse(block.textContent) : {};
  window.cafeT = function (key, values) {
    var text = strings[key] === undefined ? key : strings[key];
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  };
})();

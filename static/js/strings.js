// Words for the page's scripts, translated on the server: window.cafeT("key", {name: value}).
// A plural message arrives as {one: ..., few: ..., other: ...} (the language's CLDR categories) and
// is picked by values.count with Intl.PluralRules, falling back to one/other on old browsers.
(function () {
  "use strict";
  var block = document.getElementById("strings");
  var strings = block ? JSON.parse(block.textContent) : {};
  var rules = null;
  try { rules = new Intl.PluralRules(document.documentElement.lang || "en"); } catch (e) { rules = null; }

  function pick(forms, count) {
    var n = Number(count);
    var category = rules ? rules.select(n) : (n === 1 ? "one" : "other");
    return forms[category] || forms.other || forms.many || forms.one || "";
  }

  // Fill an element with a message whose values are each isolated in a <bdi>, so a table's Latin
  // name or a number keeps its place in an Urdu sentence (and Urdu names in an English one).
  window.cafeFill = function (el, key, values) {
    var text = window.cafeT(key);
    el.textContent = "";
    var parts = text.split(/\{(\w+)\}/);
    parts.forEach(function (part, i) {
      if (i % 2 === 0) { if (part) el.appendChild(document.createTextNode(part)); return; }
      var bdi = document.createElement("bdi");
      bdi.textContent = values && values[part] !== undefined ? String(values[part]) : "{" + part + "}";
      el.appendChild(bdi);
    });
    return el;
  };

  window.cafeT = function (key, values) {
    var text = strings[key] === undefined ? key : strings[key];
    if (typeof text === "object") text = pick(text, values ? values.count : 0);
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  };
})();

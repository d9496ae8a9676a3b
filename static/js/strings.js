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

  window.cafeT = function (key, values) {
    var text = strings[key] === undefined ? key : strings[key];
    if (typeof text === "object") text = pick(text, values ? values.count : 0);
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  };
})();

// Form helpers, loaded by the pages that need them (no inline script: the CSP forbids it).
// A colour picker shows its value as it changes; a timezone picker gets a search box and,
// when the person has not chosen a zone, their browser's zone preselected.
(function () {
  "use strict";

  document.querySelectorAll("output[data-colour-of]").forEach(function (output) {
    var input = document.getElementById(output.dataset.colourOf);
    if (input) input.addEventListener("input", function () { output.textContent = input.value; });
  });

  document.querySelectorAll("select[data-timezone]").forEach(function (select) {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* old browser */ }
    var note = document.getElementById(select.id + "-browser-zone");
    var option = zone && Array.prototype.find.call(select.options, function (o) { return o.value === zone; });
    if (option && select.dataset.chosen === "") {
      select.value = zone;
      if (note) { note.textContent = "Your browser is set to " + zone + ": preselected, not saved until you save."; note.hidden = false; }
    }
    var search = document.createElement("input");
    search.type = "search";
    search.className = "input timezone-search";
    search.id = select.id + "-search";
    search.placeholder = "Search zones, e.g. London or Tokyo";
    search.setAttribute("aria-label", "Search timezones");
    search.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(search, select);
    search.addEventListener("input", function () {
      var words = search.value.trim().toLowerCase().replace(/\s+/g, "_");
      var first = null;
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        var shown = 0;
        Array.prototype.forEach.call(group.children, function (o) {
          var match = !words || o.value.toLowerCase().indexOf(words) !== -1;
          o.hidden = !match;
          if (match) { shown += 1; first = first || o; }
        });
        group.hidden = shown === 0;
      });
      if (words && first) select.value = first.value;
    });
  });
})();

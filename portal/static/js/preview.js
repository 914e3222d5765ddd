// Live Markdown preview on the publish form: the server renders and sanitises, exactly as the
// client will see it. Without JavaScript the form's Preview button does the same.
(function () {
  "use strict";
  var target = document.getElementById("body-preview");
  if (!target) { return; }
  var source = document.getElementById(target.getAttribute("data-preview-source"));
  var token = document.querySelector("input[name=csrf_token]");
  var timer = null;

  function render() {
    var body = new URLSearchParams({ body: source.value, csrf_token: token.value });
    fetch(target.getAttribute("data-preview-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": token.value }
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html !== null) { target.innerHTML = html; }
    }).catch(function () { /* the Preview button still works */ });
  }

  source.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(render, 400);
  });
})();

// Live refresh: every element with data-live-url polls its fragment with If-None-Match.
// Unchanged content answers 304 with no body and no DOM work; changed content is swapped in.
// Relative times ("3 minutes ago") are kept fresh in the browser between polls.
(function () {
  "use strict";
  var relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
  var units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400],
               ["hour", 3600], ["minute", 60]];

  function humanize(date) {
    var seconds = (date.getTime() - Date.now()) / 1000;
    if (Math.abs(seconds) < 60) { return "just now"; }
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(seconds) >= units[i][1]) {
        return relative.format(Math.round(seconds / units[i][1]), units[i][0]);
      }
    }
    return "just now";
  }

  function refreshTimes(root) {
    root.querySelectorAll("time[data-relative]").forEach(function (el) {
      el.textContent = humanize(new Date(el.getAttribute("datetime")));
    });
  }

  function showMarkers(root) {
    root.querySelectorAll(".live-marker").forEach(function (el) { el.hidden = false; });
  }

  // A poll is never redirected while the session lasts: a redirect (fetch follows it) or a
  // 401 means the session ended. Open the sign-in page, to come back to this one, rather
  // than pasting the sign-in form into this page.
  function signInAgain(response) {
    var target = new URL(response.redirected ? response.url : "/login", window.location.href);
    target.searchParams.set("next", window.location.pathname + window.location.search);
    window.location.assign(target.pathname + target.search);
  }

  function poll(region) {
    var etag = region.getAttribute("data-etag");
    fetch(region.getAttribute("data-live-url"), {
      cache: "no-store",
      credentials: "same-origin",
      headers: { "If-None-Match": '"' + etag + '"' }
    }).then(function (response) {
      if (response.redirected || response.status === 401) {
        signInAgain(response);
        return;
      }
      if (response.status === 200) {
        var fresh = (response.headers.get("ETag") || "").replace(/^W\//, "").replace(/"/g, "");
        return response.text().then(function (html) {
          region.innerHTML = html;
          region.setAttribute("data-etag", fresh);
          region.classList.add("just-updated");
          showMarkers(region);
          refreshTimes(region);
        });
      }
      if (response.status === 404) { region.dataset.stopped = "1"; }
    }).catch(function () { /* offline for a moment: try again at the next tick */ });
  }

  function start() {
    var regions = document.querySelectorAll("[data-live-url]");
    regions.forEach(function (region) {
      showMarkers(region);
      refreshTimes(region);
      setInterval(function () {
        if (!region.dataset.stopped && !document.hidden) { poll(region); }
        refreshTimes(region);
      }, parseInt(region.getAttribute("data-poll-ms"), 10) || 15000);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

/* Tavolo: the menu's work badges and an open work list follow new work without reloading the page.

notifications.js keeps the page's one websocket. When a notification arrives whose kind changes the reader's work
(`item.work`: a handoff received, answered or withdrawn, a task assigned...), it fires `tv-work-changed` on the
document. This script then asks the server, never the message, for what changed:
  - the badges' counts from `data-tv-work-counts-url` (JSON, permission-filtered: workflows:work_counts);
  - the list inside `#tv-live-list` (task lists, handoffs received and sent), by fetching the page's own address
    (so its filters and page number stay) and replacing only that element: no reload, the scroll position and the
    filter form are left alone, and a polite live region says that the list was updated.
Several events close together make one refresh. Without JavaScript the pages are as rendered.
*/
(function () {
  "use strict";

  var countsHolder = document.querySelector("[data-tv-work-counts-url]");
  if (!countsHolder && !document.getElementById("tv-live-list")) {
    return;
  }

  var SETTLE_MS = 300; // one referral writes several notifications and events: refresh once
  var state = {timer: null, running: false, again: false};

  function setCount(name, value) {
    var n = Math.max(0, parseInt(value, 10) || 0);
    document.querySelectorAll('[data-tv-work-count="' + name + '"]').forEach(function (badge) {
      badge.textContent = String(n);
      badge.hidden = n === 0;
    });
  }

  function refreshCounts() {
    if (!countsHolder) {
      return Promise.resolve();
    }
    return fetch(countsHolder.getAttribute("data-tv-work-counts-url"), {
      credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (counts) {
      if (counts) {
        Object.keys(counts).forEach(function (name) {
          setCount(name, counts[name]);
        });
      }
    });
  }

  function announce() {
    var status = document.getElementById("tv-live-status");
    if (!status) {
      return;
    }
    status.textContent = "";
    window.setTimeout(function () { // a change of text is what a screen reader announces
      status.textContent = status.getAttribute("data-text") || "";
    }, 100);
  }

  // What had the focus inside the list (a row's link or button), to give it back after the swap.
  function focusKey(list) {
    var active = document.activeElement;
    if (!active || !list.contains(active)) {
      return null;
    }
    if (active.getAttribute("href")) {
      return '[href="' + active.getAttribute("href") + '"]';
    }
    if (active.form && active.form.getAttribute("action")) {
      return 'form[action="' + active.form.getAttribute("action") + '"] [type="submit"]';
    }
    return null;
  }

  function refreshList() {
    var current = document.getElementById("tv-live-list");
    if (!current) {
      return Promise.resolve();
    }
    return fetch(window.location.href, {
      credentials: "same-origin",
      headers: {"Accept": "text/html", "X-Requested-With": "fetch"}
    }).then(function (response) {
      // A redirect (a session that ended) or an error leaves the list as it is.
      return response.ok && !response.redirected ? response.text() : null;
    }).then(function (html) {
      if (html === null) {
        return;
      }
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("tv-live-list");
      var list = document.getElementById("tv-live-list");
      if (!fresh || !list) {
        return;
      }
      var key = focusKey(list);
      var node = document.importNode(fresh, true);
      list.replaceWith(node);
      if (window.htmx) {
        window.htmx.process(node);
      }
      var again = key ? node.querySelector(key) : null;
      if (again) {
        again.focus({preventScroll: true});
      }
      announce();
    });
  }

  function refresh() {
    if (state.running) {
      state.again = true; // something changed while we were asking: ask once more afterwards
      return;
    }
    state.running = true;
    Promise.all([refreshCounts(), refreshList()]).catch(function () {
      return null; // offline or a server restart: the next notification or replay tries again
    }).then(function () {
      state.running = false;
      if (state.again) {
        state.again = false;
        refresh();
      }
    });
  }

  document.addEventListener("tv-work-changed", function () {
    if (state.timer !== null) {
      window.clearTimeout(state.timer);
    }
    state.timer = window.setTimeout(function () {
      state.timer = null;
      refresh();
    }, SETTLE_MS);
  });
})();

/* Tavolo: live notifications. Keeps the bell's count right and shows new work as toasts, without reloading.

Protocol (notifications/consumers.py, websocket /ws/notifications/):
  browser -> {"type": "sync", "last_id": N}           on every (re)connection and every 30 s
  server  -> {"type": "replay", "items": [...], "more": bool, "unread": n}   everything newer than N
  server  -> {"type": "notification", "item": {id, kind, title, body, url, created_at, read, toast}}
  server  -> {"type": "read", "unread": n, "ids": [...] | null, "all": bool}   read here or in another tab
An item with `work: true` changed the reader's work lists: the page fires `tv-work-changed` on the document and
live_work.js refreshes the menu's badges and an open work list from the server.
Channel layers deliver at most once, so a push may be lost: the periodic sync asks again for everything after
the last id seen (and a few seconds before it), and items are de-duplicated by id. The count is set exactly by every replay and read message.

The translated texts come from data attributes of the page (templates/notifications/includes/), not from a
JavaScript catalogue. Without JavaScript the bell is a link to the notification list.
*/
(function () {
  "use strict";

  var bell = document.getElementById("tv-bell");
  if (!bell || !("WebSocket" in window)) {
    return;
  }

  var HEARTBEAT_MS = 30000;
  var FIRST_DELAY_MS = 1000;
  var MAX_DELAY_MS = 30000;
  var MAX_TOASTS_PER_REPLAY = 3;
  var MAX_TOASTS_SHOWN = 5;
  var CLOSE_LOGGED_OUT = 4401;

  var badge = bell.querySelector(".tv-bell-count");
  var toastBox = document.getElementById("tv-toasts");
  var toastTemplate = document.getElementById("tv-toast-template");

  var pageNewest = parseInt(bell.getAttribute("data-newest"), 10) || 0;
  var state = {
    pageNewest: pageNewest, // the newest notification the page's count includes
    lastSeen: pageNewest, // where the next replay starts
    seen: new Set(),
    unread: parseInt(bell.getAttribute("data-unread"), 10) || 0,
    socket: null,
    delay: FIRST_DELAY_MS,
    retryTimer: null,
    heartbeat: null,
    stopped: false
  };

  // --- the bell ---------------------------------------------------------------------------------------

  function setUnread(count) {
    var n = Math.max(0, parseInt(count, 10) || 0);
    state.unread = n;
    bell.setAttribute("data-unread", String(n));
    var template = bell.getAttribute("data-label-template");
    if (template) {
      bell.setAttribute("aria-label", template.replace("__N__", String(n)));
    }
    if (badge) {
      badge.textContent = n > 99 ? "99+" : String(n);
      badge.hidden = n === 0;
    }
  }

  function markReadInPage(ids, all) {
    var wanted = all ? null : new Set((ids || []).map(String));
    document.querySelectorAll(".tv-notification.tv-unread[data-notification-id]").forEach(function (element) {
      if (wanted === null || wanted.has(element.getAttribute("data-notification-id"))) {
        element.classList.remove("tv-unread");
        element.querySelectorAll(".tv-unread-badge, .tv-unread-dot, .tv-mark-read").forEach(function (part) {
          part.remove();
        });
      }
    });
  }

  // --- toasts -----------------------------------------------------------------------------------------

  function showToast(title, text, href) {
    if (!toastBox || !toastTemplate) {
      return;
    }
    var toast = toastTemplate.content.firstElementChild.cloneNode(true);
    toast.querySelector(".tv-toast-title").textContent = title;
    var link = toast.querySelector(".tv-toast-link");
    link.textContent = text;
    link.setAttribute("href", href);
    while (toastBox.children.length >= MAX_TOASTS_SHOWN) {
      toastBox.removeChild(toastBox.firstElementChild);
    }
    toastBox.appendChild(toast);
    toast.addEventListener("hidden.bs.toast", function () {
      toast.remove();
    });
    if (window.bootstrap && window.bootstrap.Toast) {
      window.bootstrap.Toast.getOrCreateInstance(toast).show();
    } else {
      toast.classList.add("show");
    }
  }

  function toastItems(items) {
    var shown = items.slice(0, MAX_TOASTS_PER_REPLAY);
    shown.forEach(function (item) {
      showToast(item.title, item.body, item.url);
    });
    var rest = items.length - shown.length;
    if (rest > 0 && toastBox) {
      var text = (toastBox.getAttribute("data-more-template") || "+__N__").replace("__N__", String(rest));
      showToast(toastBox.getAttribute("data-more-title") || "", text, toastBox.getAttribute("data-list-url") || "#");
    }
  }

  // --- new work ---------------------------------------------------------------------------------------

  function workChanged() {
    document.dispatchEvent(new CustomEvent("tv-work-changed"));
  }

  // --- messages from the server -----------------------------------------------------------------------

  // Remember an item; false when it was already seen (pushed and replayed). De-duplication is by id only, not
  // "at or below the last id": on PostgreSQL a transaction may commit after a later one, so a lower id can
  // arrive after a higher one (the server's replay also looks a few seconds back for such rows).
  function remember(item) {
    var id = parseInt(item && item.id, 10);
    if (!id || state.seen.has(id)) {
      return false;
    }
    state.seen.add(id);
    state.lastSeen = Math.max(state.lastSeen, id);
    return true;
  }

  // Newer than what the page's count included when it was rendered.
  function isNewToPage(item) {
    return parseInt(item.id, 10) > state.pageNewest;
  }

  function onReplay(message) {
    var fresh = (message.items || []).filter(remember);
    toastItems(fresh.filter(function (item) {
      return item.toast && !item.read && isNewToPage(item);
    }));
    setUnread(message.unread); // exact, whatever was pushed or missed
    if (fresh.some(function (item) { return item.work && isNewToPage(item); })) {
      workChanged(); // missed while disconnected: the page's lists and badges are older than it
    }
  }

  function onNotification(message) {
    var item = message.item;
    if (!remember(item)) {
      return;
    }
    if (item.work) {
      workChanged();
    }
    if (!isNewToPage(item)) {
      sync(); // committed around the page's rendering: maybe counted already; the replay's count is exact
      return;
    }
    if (!item.read) {
      setUnread(state.unread + 1);
      if (item.toast) {
        toastItems([item]);
      }
    }
  }

  function onRead(message) {
    setUnread(message.unread);
    markReadInPage(message.ids, message.all);
  }

  function onMessage(event) {
    var message;
    try {
      message = JSON.parse(event.data);
    } catch (error) {
      return;
    }
    if (message.type === "replay") {
      onReplay(message);
    } else if (message.type === "notification") {
      onNotification(message);
    } else if (message.type === "read") {
      onRead(message);
    }
  }

  // --- the connection ---------------------------------------------------------------------------------

  function socketUrl() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + window.location.host + (bell.getAttribute("data-ws-path") || "/ws/notifications/");
  }

  function isOpenOrOpening() {
    return state.socket !== null && state.socket.readyState <= 1; // CONNECTING or OPEN
  }

  function sync() {
    if (state.socket && state.socket.readyState === 1) {
      state.socket.send(JSON.stringify({type: "sync", last_id: state.lastSeen}));
    }
  }

  function stopHeartbeat() {
    if (state.heartbeat !== null) {
      window.clearTimeout(state.heartbeat);
      state.heartbeat = null;
    }
  }

  // A sync every HEARTBEAT_MS; the first one at a random moment, so that browsers reconnected together after a
  // restart do not all sync in the same second from then on.
  function scheduleHeartbeat(wait) {
    stopHeartbeat();
    state.heartbeat = window.setTimeout(function () {
      state.heartbeat = null;
      sync();
      scheduleHeartbeat(HEARTBEAT_MS);
    }, wait);
  }

  // Exponential backoff: 1 s, 2 s, 4 s... up to 30 s, each wait between half and all of it (jitter), so that
  // the browsers of a whole office do not all reconnect in the same second after a restart.
  function scheduleReconnect() {
    if (state.stopped || state.retryTimer !== null) {
      return;
    }
    var base = state.delay;
    state.delay = Math.min(base * 2, MAX_DELAY_MS);
    var wait = base / 2 + Math.random() * base / 2;
    state.retryTimer = window.setTimeout(function () {
      state.retryTimer = null;
      connect();
    }, wait);
  }

  function connect() {
    if (state.stopped || isOpenOrOpening()) {
      return;
    }
    var socket;
    try {
      socket = new WebSocket(socketUrl());
    } catch (error) {
      scheduleReconnect();
      return;
    }
    state.socket = socket;
    socket.addEventListener("open", function () {
      state.delay = FIRST_DELAY_MS;
      sync();
      scheduleHeartbeat(Math.random() * HEARTBEAT_MS);
    });
    socket.addEventListener("message", onMessage);
    socket.addEventListener("close", function (event) {
      if (state.socket !== socket) {
        return;
      }
      state.socket = null;
      stopHeartbeat();
      if (event.code === CLOSE_LOGGED_OUT) {
        state.stopped = true; // logged out: the next page load shows the login form
        return;
      }
      scheduleReconnect();
    });
  }

  function reconnectNow() {
    if (state.retryTimer !== null) {
      window.clearTimeout(state.retryTimer);
      state.retryTimer = null;
    }
    state.delay = FIRST_DELAY_MS;
    connect();
  }

  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") {
      return;
    }
    if (isOpenOrOpening()) {
      sync(); // timers of hidden tabs are throttled: catch up at once
    } else {
      reconnectNow();
    }
  });
  // An action on this page (marking read) answers with the new count (htmx HX-Trigger).
  document.body.addEventListener("tv-notifications-unread", function (event) {
    if (event.detail && typeof event.detail.unread !== "undefined") {
      setUnread(event.detail.unread);
    }
  });
  window.addEventListener("pagehide", function () {
    state.stopped = true;
    stopHeartbeat();
    if (state.socket) {
      state.socket.close(1000);
    }
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { // back from the browser's page cache
      state.stopped = false;
      reconnectNow();
    }
  });

  connect();
})();

/* Tavolo: small progressive enhancements. Every page works without JavaScript. */
(function () {
  "use strict";

  // Ask before destructive actions: <button data-confirm="Are you sure?">.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // htmx requests carry the CSRF token through the body's hx-headers. When one fails, say so
  // instead of leaving the page silently unchanged.
  document.addEventListener("htmx:responseError", function () {
    var box = document.getElementById("tv-htmx-error");
    if (box) {
      box.hidden = false;
    }
  });
})();

/* The send form: tick the sections the chosen service needs, and keep the summary of what the receiver will and
 * will not see in step with the form.
 *
 * The rule, simple and predictable: when the service changes, the ticks follow it (the new service's sections
 * are ticked, the others unticked) as long as they are still exactly those the previous service suggested; once
 * the sender has changed a tick themselves, changing the service leaves the ticks as they are. Each service
 * option carries its sections in `data-sections` (also after htmx replaced the select for another receiver).
 * Without this script the server renders the same summary for the form as it was loaded.
 */
(function () {
  "use strict";

  function init(form) {
    var summary = document.getElementById("tv-share-summary");
    if (!summary) return;

    function boxes() { return Array.prototype.slice.call(form.querySelectorAll("input[name=sections]")); }
    function serviceSelect() { return form.querySelector("select[name=service_type]"); }

    function suggested() {
      var select = serviceSelect();
      var option = select && select.selectedIndex >= 0 ? select.options[select.selectedIndex] : null;
      var codes = option && option.value ? (option.getAttribute("data-sections") || "") : "";
      return codes.split(" ").filter(Boolean);
    }

    function ticked() {
      return boxes().filter(function (box) { return box.checked; }).map(function (box) { return box.value; });
    }

    function sameSet(a, b) {
      return a.length === b.length && a.every(function (code) { return b.indexOf(code) !== -1; });
    }

    var lastSuggested = suggested();

    function followService() {
      var now = suggested();
      if (sameSet(ticked(), lastSuggested)) {
        boxes().forEach(function (box) { box.checked = now.indexOf(box.value) !== -1; });
      }
      lastSuggested = now;
      render();
    }

    function receiverName() {
      var select = form.querySelector("select[name=receiver_organisation]");
      var option = select && select.selectedIndex >= 0 ? select.options[select.selectedIndex] : null;
      return option && option.value ? option.text.trim() : summary.getAttribute("data-receiver-fallback");
    }

    function render() {
      var kind = form.querySelector("input[name=kind]:checked");
      var transfer = !!kind && kind.value === "transfer";
      var shared = ticked();
      summary.querySelector(".tv-share-transfer").hidden = !transfer;
      summary.querySelector(".tv-share-referral").hidden = transfer;
      summary.querySelector(".tv-share-summary-only").hidden = shared.length > 0;
      summary.querySelectorAll(".tv-share-seen li[data-section]").forEach(function (item) {
        item.hidden = shared.indexOf(item.getAttribute("data-section")) === -1;
      });
      summary.querySelectorAll(".tv-share-unseen li[data-section]").forEach(function (item) {
        item.hidden = shared.indexOf(item.getAttribute("data-section")) !== -1;
      });
      var name = receiverName();
      summary.querySelectorAll(".tv-share-org").forEach(function (span) { span.textContent = name; });
    }

    form.addEventListener("change", function (event) {
      if (event.target.name === "service_type") followService();
      else render();
    });
    // Choosing another receiver replaces the service select (htmx): its service is then the one shown.
    document.body.addEventListener("htmx:afterSettle", function () { followService(); });
    render();
  }

  document.querySelectorAll("form.tv-handoff-form").forEach(init);
})();

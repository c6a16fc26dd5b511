// chartscan web UI: zoom of the page viewer and keyboard shortcuts. Every
// page works without it. Nothing is kept in browser storage.
(function () {
  "use strict";

  function setup(root) {
    var box = root.querySelector("[data-zoomable]");
    var zoom = root.querySelector(".zoom");
    if (!box || !zoom) return;
    zoom.hidden = false;
    var level = 1;
    function apply() { box.style.width = (100 * level) + "%"; }
    zoom.addEventListener("click", function (e) {
      var what = e.target.getAttribute("data-zoom");
      if (what === "in") level = Math.min(4, level * 1.25);
      if (what === "out") level = Math.max(0.5, level / 1.25);
      if (what === "fit") level = 1;
      apply();
    });
    document.onkeydown = function (e) {
      var t = e.target;
      if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
      if (e.key === "+" || e.key === "=") { level = Math.min(4, level * 1.25); apply(); }
      else if (e.key === "-") { level = Math.max(0.5, level / 1.25); apply(); }
      else if (e.key === "0") { level = 1; apply(); }
      else if (e.key === "ArrowRight" || e.key === "j") { var n = root.querySelector("a[rel=next]"); if (n) n.click(); }
      else if (e.key === "ArrowLeft" || e.key === "k") { var p = root.querySelector("a[rel=prev]"); if (p) p.click(); }
    };
  }

  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:afterSettle", function () { setup(document); });
})();

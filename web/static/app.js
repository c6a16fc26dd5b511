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

  // The release draft: a suggestion unticked shows its box as kept
  // readable; a drag on a page adds a box to black out.
  function redactions(root) {
    var form = root.querySelector("form#approve");
    if (!form) return;
    form.addEventListener("change", function (e) {
      var t = e.target;
      if (t.name !== "keep") return;
      var r = form.querySelector('rect[data-key="' + t.value + '"]');
      if (r) r.classList.toggle("off", !t.checked);
    });
    var drawn = form.querySelector(".drawn");
    Array.prototype.forEach.call(form.querySelectorAll(".drawable"), function (box) {
      var svg = box.querySelector("svg");
      var w = +box.getAttribute("data-width"), h = +box.getAttribute("data-height");
      var start = null, rect = null;
      function at(e) {
        var b = box.getBoundingClientRect();
        return { x: Math.round((e.clientX - b.left) * w / b.width), y: Math.round((e.clientY - b.top) * h / b.height) };
      }
      box.addEventListener("mousedown", function (e) {
        e.preventDefault();
        start = at(e);
        rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
        rect.setAttribute("class", "redaction manual");
        svg.appendChild(rect);
      });
      box.addEventListener("mousemove", function (e) {
        if (!start) return;
        var p = at(e);
        rect.setAttribute("x", Math.min(start.x, p.x)); rect.setAttribute("y", Math.min(start.y, p.y));
        rect.setAttribute("width", Math.abs(p.x - start.x)); rect.setAttribute("height", Math.abs(p.y - start.y));
      });
      box.addEventListener("mouseup", function (e) {
        if (!start) return;
        var p = at(e);
        var x = Math.max(0, Math.min(start.x, p.x)), y = Math.max(0, Math.min(start.y, p.y));
        var bw = Math.min(w - x, Math.abs(p.x - start.x)), bh = Math.min(h - y, Math.abs(p.y - start.y));
        start = null;
        if (bw < 4 || bh < 4) { svg.removeChild(rect); return; }
        var input = document.createElement("input");
        input.type = "hidden"; input.name = "manual";
        input.value = [box.getAttribute("data-page"), x, y, bw, bh].join(",");
        drawn.appendChild(input);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setup(document); redactions(document); });
  document.addEventListener("htmx:afterSettle", function () { setup(document); });
})();

// site.js only enhances pages that work without it: it shows a unit's
// figures (the point's <title>) beside a funnel point on hover and
// keyboard focus, and submits
// the highlight picker as soon as the choice changes (the URL keeps the
// state, so a view can be shared). No inline script: the CSP forbids it.
(function () {
  "use strict";

  function tooltip() {
    var tip = document.createElement("div");
    tip.className = "tooltip";
    tip.setAttribute("role", "status");
    tip.hidden = true;
    document.body.appendChild(tip);
    return tip;
  }

  // The tip goes above the point when there is room, so it hides as
  // little of the chart as it can, and stays inside the window.
  function place(tip, el) {
    var r = el.getBoundingClientRect();
    var width = tip.offsetWidth, height = tip.offsetHeight;
    var left = r.left + r.width / 2 - width / 2;
    left = Math.max(8, Math.min(left, document.documentElement.clientWidth - width - 8));
    var top = r.top - height - 10;
    if (top < 8) top = r.bottom + 10;
    tip.style.left = (window.scrollX + left) + "px";
    tip.style.top = (window.scrollY + top) + "px";
  }

  function initFunnels() {
    var points = document.querySelectorAll("svg.funnel [data-unit-id]");
    if (!points.length) return;
    var tip = tooltip();
    var show = function (ev) {
      var el = ev.currentTarget;
      var title = el.querySelector("title");
      tip.textContent = title ? title.textContent : "";
      tip.hidden = false;
      place(tip, el);
    };
    var hide = function () { tip.hidden = true; };
    points.forEach(function (p) {
      p.addEventListener("mouseenter", show);
      p.addEventListener("focus", show);
      p.addEventListener("mouseleave", hide);
      p.addEventListener("blur", hide);
    });
    document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") hide(); });
  }

  // A pointer choice submits at once. Arrow keys in a multiple select
  // change the choice on every press, so keyboard users choose first and
  // press the button (WCAG 3.2.2, on input).
  function initPicker() {
    document.querySelectorAll("form.highlight-picker select").forEach(function (sel) {
      var keyed = false;
      sel.addEventListener("keydown", function () { keyed = true; });
      sel.addEventListener("pointerdown", function () { keyed = false; });
      sel.addEventListener("change", function () {
        if (keyed) return;
        if (sel.form.requestSubmit) sel.form.requestSubmit(); else sel.form.submit();
      });
    });
  }

  // An error summary takes focus when the page opens, so it is read first.
  function focusErrors() {
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    initFunnels();
    initPicker();
    focusErrors();
  });
})();

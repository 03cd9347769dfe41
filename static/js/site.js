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

  function place(tip, el) {
    var r = el.getBoundingClientRect();
    tip.style.left = Math.max(8, Math.min(window.scrollX + r.left + r.width / 2 - 150, window.scrollX + document.documentElement.clientWidth - 320)) + "px";
    tip.style.top = (window.scrollY + r.bottom + 8) + "px";
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

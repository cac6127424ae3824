// The questionnaire's helpers. Each only adds to a page that works without it:
// - focus moves to the error summary after a save with problems (the page also asks for it
//   with autofocus);
// - a live character counter beside every field with a limit, counting what the server
//   counts (characters after trimming, a line break as one);
// - a warning before leaving a page with changes that are not saved;
// - a link to a field inside a closed row opens that row.
(function () {
  "use strict";

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_match, key) {
      return values[key];
    });
  }

  function number(value) {
    var lang = document.documentElement.lang || "nl";
    try {
      return value.toLocaleString(lang);
    } catch (e) {
      return String(value);
    }
  }

  // --- Error summary -------------------------------------------------------------------
  var summary = document.getElementById("error-summary");
  if (summary && (document.activeElement === document.body || !document.activeElement)) {
    summary.focus();
  }

  // --- Rows: open the row a link points into -------------------------------------------
  function openTarget() {
    if (!location.hash) return;
    var target;
    try {
      target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    } catch (e) {
      return;
    }
    if (!target) return;
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    if (target.scrollIntoView) target.scrollIntoView({ block: "start" });
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest('a[href^="#"]') : null;
    if (!link) return;
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!target) return;
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) {
      event.preventDefault();
      target.scrollIntoView({ block: "center" });
      target.focus();
      history.replaceState(null, "", link.getAttribute("href"));
    }
  });

  var form = document.querySelector("form.app-questionnaire, form[data-unsaved-warning]");
  if (!form) return;

  // --- Character counters --------------------------------------------------------------
  var left = form.getAttribute("data-count-left") || "%(count)s of %(max)s characters";
  var over = form.getAttribute("data-count-over") || "%(over)s characters too many";
  form.querySelectorAll("[data-max-length]").forEach(function (field) {
    var max = parseInt(field.getAttribute("data-max-length"), 10);
    if (!max) return;
    var shown = document.createElement("p");
    shown.className = "utrecht-paragraph app-char-count";
    shown.id = field.id + "-count";
    shown.setAttribute("aria-hidden", "true");
    var spoken = document.createElement("p");
    spoken.className = "app-visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", shown);
    shown.insertAdjacentElement("afterend", spoken);
    var timer = null;
    function update(announce) {
      var count = Array.from(field.value.replace(/\r\n/g, "\n").trim()).length;
      var text =
        count > max
          ? format(over, { over: number(count - max), max: number(max), count: number(count) })
          : format(left, { count: number(count), max: number(max) });
      shown.textContent = text;
      shown.classList.toggle("app-char-count--over", count > max);
      if (announce) {
        clearTimeout(timer);
        timer = setTimeout(function () {
          spoken.textContent = text;
        }, 1000);
      }
    }
    field.addEventListener("input", function () {
      update(true);
    });
    update(false);
  });

  // --- Unsaved changes -----------------------------------------------------------------
  var dirty = false;
  var leaving = false;
  function changed(event) {
    if (event.target && event.target.name && event.target.name !== "csrf_token") dirty = true;
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () {
    leaving = true;
  });
  window.addEventListener("beforeunload", function (event) {
    if (!dirty || leaving) return;
    event.preventDefault();
    event.returnValue = form.getAttribute("data-unsaved-warning") || "";
    return event.returnValue;
  });
})();

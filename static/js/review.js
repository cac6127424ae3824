// The review page's helpers. Each only adds to a page that works without it:
// - a comment (or reply) posts without reloading the page; it carries the decision form as
//   typed, so the server keeps that as the reviewer's draft (without script: "Save draft");
// - a link to an answer inside a folded list of unchanged answers opens that list.
(function () {
  "use strict";

  var live = document.getElementById("review-live");
  var decision = document.getElementById("decision-form");

  function say(text) {
    if (!live || !text) return;
    live.textContent = "";
    // A fresh text node, so screen readers announce the same message twice in a row too.
    window.setTimeout(function () {
      live.textContent = text;
    }, 50);
  }

  // --- Folded answers: open the list a link points into ---------------------------------
  function openTarget(id) {
    var target;
    try {
      target = document.getElementById(decodeURIComponent(id));
    } catch (e) {
      return null;
    }
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    return target;
  }
  if (location.hash) {
    var first = openTarget(location.hash.slice(1));
    if (first && first.scrollIntoView) first.scrollIntoView({ block: "start" });
  }
  window.addEventListener("hashchange", function () {
    openTarget(location.hash.slice(1));
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest('a[href^="#"]') : null;
    if (link && link.getAttribute("href").length > 1) openTarget(link.getAttribute("href").slice(1));
  });

  // --- Comments without a reload ---------------------------------------------------------
  if (!window.fetch || !window.FormData) return;

  function withDraft(form) {
    var data = new FormData(form);
    if (!decision) return data;
    new FormData(decision).forEach(function (value, key) {
      if (key !== "csrf_token" && !data.has(key)) data.append(key, value);
    });
    data.append("with-draft", "1");
    return data;
  }

  function submitNormally(form, data) {
    // The network failed: send it the ordinary way, still with the draft.
    data.forEach(function (value, key) {
      if (form.elements[key]) return;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = key;
      input.value = value;
      form.appendChild(input);
    });
    HTMLFormElement.prototype.submit.call(form);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.app-inline-form")) return;
    if (!/\/opmerkingen$/.test(form.getAttribute("action") || "")) return;
    event.preventDefault();
    var block = form.closest(".app-threads");
    var button = form.querySelector('button[type="submit"]');
    var data = withDraft(form);
    if (button) button.disabled = true;
    say(live && live.getAttribute("data-sending"));
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (json) {
          return { ok: response.ok, json: json };
        });
      })
      .then(function (result) {
        if (button) button.disabled = false;
        if (!result.ok || !result.json.html) {
          say(result.json.message || (live && live.getAttribute("data-failed")));
          var field = form.querySelector("textarea");
          if (field) field.focus();
          return;
        }
        var holder = document.createElement("div");
        holder.innerHTML = result.json.html;
        var fresh = holder.querySelector(".app-threads");
        if (fresh && block) {
          block.parentNode.replaceChild(fresh, block);
          var title = fresh.querySelector(".app-threads__title");
          if (title) {
            title.setAttribute("tabindex", "-1");
            title.focus();
          }
        }
        say(result.json.message);
      })
      .catch(function () {
        if (button) button.disabled = false;
        submitNormally(form, data);
      });
  });
})();

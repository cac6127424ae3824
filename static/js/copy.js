// A "Copy" button next to a read-only field (the invitation link). Without this script the
// field is there to select and copy by hand; with it the button copies the text through the
// clipboard API and says so in a live region ("Gekopieerd").
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!field || !status) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      function done(message) {
        status.textContent = "";
        // A new text each time, so a screen reader announces a second copy too.
        window.setTimeout(function () { status.textContent = message; }, 50);
      }
      field.select();
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(
          function () { done(button.getAttribute("data-copied")); },
          function () { done(button.getAttribute("data-copy-failed")); }
        );
      } else {
        done(button.getAttribute("data-copy-failed"));
      }
    });
  });
})();

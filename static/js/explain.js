// The numbers' explanations (templates/claims/_explain.html): hover and keyboard focus
// show them with CSS alone; this adds tap (a click toggles the tip open) and Escape.
// Delegated from the document, so rows swapped in by htmx work without rebinding.
(function () {
  "use strict";
  function closeAll(except) {
    document.querySelectorAll(".explain.open").forEach(function (box) {
      if (box !== except) {
        box.classList.remove("open");
        var b = box.querySelector("[data-explain]");
        if (b) b.setAttribute("aria-expanded", "false");
      }
    });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-explain]") : null;
    if (!button) {
      closeAll(null);
      return;
    }
    event.preventDefault();
    var box = button.parentElement;
    var open = !box.classList.contains("open");
    closeAll(box);
    box.classList.toggle("open", open);
    box.classList.toggle("closed", !open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll(".explain").forEach(function (box) {
      box.classList.remove("open");
    });
    var focused = document.activeElement;
    if (focused && focused.matches && focused.matches("[data-explain]")) {
      focused.parentElement.classList.add("closed");
    }
  });
  document.addEventListener("focusout", function (event) {
    var box = event.target.closest ? event.target.closest(".explain") : null;
    if (box) box.classList.remove("closed");
  });
})();

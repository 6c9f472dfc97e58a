// Loaded on every page (base.html). No inline script or eval anywhere: the
// Content-Security-Policy forbids both.

// Show a credence slider's value next to it as the user moves it.
document.addEventListener("input", (event) => {
  const input = event.target;
  if (input.matches('input[type="range"][name="percent"]')) {
    const output = input.form.querySelector(`output[for="${input.id}"]`);
    if (output) output.textContent = `${input.value} %`;
  }
});

// A stale ranking polls (hx-trigger="every 1s") until it is fresh; a hidden tab
// skips the polls and resumes when shown. htmx's inline filter
// `[document.visibilityState === 'visible']` would need eval, so it is done here.
document.addEventListener("htmx:beforeRequest", (event) => {
  const trigger = event.detail.elt.getAttribute("hx-trigger") || "";
  if (trigger.startsWith("every ") && document.visibilityState !== "visible") {
    event.preventDefault();
  }
});

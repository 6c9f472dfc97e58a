// Loaded on every page (base.html). No inline script or eval anywhere: the
// Content-Security-Policy forbids both.

const SUBMITS = "[data-testid=vote-submit], [data-testid=strength-submit]";

// A slider nobody has moved says "not voted yet" (the server renders it so). Until it
// is moved, a signed-in person's Save stays disabled, so that no one saves a value
// they never chose; a visitor's "Log in to vote" sends `untouched`, and the log-in
// then saves nothing. Without JavaScript every submitted value counts as chosen.
function prepareUnvoted(root) {
  const forms = [...root.querySelectorAll("form[data-unvoted]")];
  if (root.matches && root.matches("form[data-unvoted]")) forms.push(root);
  for (const form of forms) {
    if (!form.querySelector('input[name="untouched"]')) {
      const flag = document.createElement("input");
      flag.type = "hidden";
      flag.name = "untouched";
      flag.value = "1";
      form.append(flag);
    }
    if (!form.dataset.anonymous) {
      const submit = form.querySelector(SUBMITS);
      if (submit) {
        submit.disabled = true;
        submit.title = "Move the slider to choose a value first";
      }
    }
  }
}

function touched(input) {
  const form = input.form;
  if (!form || !form.hasAttribute("data-unvoted")) return;
  form.removeAttribute("data-unvoted");
  form.classList.remove("unvoted");
  input.removeAttribute("aria-valuetext");
  const flag = form.querySelector('input[name="untouched"]');
  if (flag) flag.remove();
  const submit = form.querySelector(SUBMITS);
  if (submit) {
    submit.disabled = false;
    submit.removeAttribute("title");
  }
}

// Show a slider's value next to it as the user moves it.
document.addEventListener("input", (event) => {
  const input = event.target;
  if (input.matches('input[type="range"][name="percent"]')) {
    touched(input);
    const output = input.form.querySelector(`output[for="${input.id}"]`);
    if (output) output.textContent = `${input.value} %`;
  }
});

// A page that comes back with refused forms: move the focus (and the view) to the
// first field in error, so the plain-words message next to it is seen at once.
function focusFirstError() {
  let field = document.querySelector('main form [aria-invalid="true"]');
  if (!field) {
    const list = document.querySelector("main form .errorlist");
    const form = list && list.closest("form");
    field = form && form.querySelector("input:not([type=hidden]), textarea, select");
  }
  if (!field) return;
  for (let d = field.closest("details"); d; d = d.parentElement.closest("details")) {
    d.open = true;
  }
  field.focus({ preventScroll: true });
  field.scrollIntoView({ block: "center" });
}

document.addEventListener("DOMContentLoaded", () => {
  prepareUnvoted(document);
  focusFirstError();
});

// Content htmx swaps in (a saved vote's form, a refreshed ranking) gets the same.
document.addEventListener("htmx:load", (event) => prepareUnvoted(event.detail.elt));

// A stale ranking polls (hx-trigger="every 1s") until it is fresh; a hidden tab
// skips the polls and resumes when shown. htmx's inline filter
// `[document.visibilityState === 'visible']` would need eval, so it is done here.
document.addEventListener("htmx:beforeRequest", (event) => {
  const elt = event.detail.elt;
  const trigger = elt.getAttribute("hx-trigger") || "";
  if (trigger.startsWith("every ") && document.visibilityState !== "visible") {
    event.preventDefault();
    return;
  }
  // A vote sent in place: the ranking will recompute; say so at once (the
  // section's refresh, which the answer triggers, then shows the real status).
  if (elt.matches("form.vote[hx-post]")) {
    const status = document.querySelector("#ranking-live [data-testid=ranking-status]");
    if (status) status.textContent = "recomputing…";
  }
});

// The live ranking section is replaced whole by its refreshes, but the vote forms in
// it are kept (hx-preserve) and so is which "Why this rank" panels are open.
let openPanels = [];
document.addEventListener("htmx:beforeSwap", (event) => {
  const target = event.detail.target;
  if (target && target.id === "ranking-live") {
    openPanels = [...target.querySelectorAll("details[open][id]")].map((d) => d.id);
  }
});
document.addEventListener("htmx:afterSwap", () => {
  for (const id of openPanels) {
    const panel = document.getElementById(id);
    if (panel) panel.open = true;
  }
  openPanels = [];
});

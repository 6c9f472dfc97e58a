// Show a credence slider's value next to it as the user moves it.
document.addEventListener("input", (event) => {
  const input = event.target;
  if (input.matches('input[type="range"][name="percent"]')) {
    const output = input.form.querySelector(`output[for="${input.id}"]`);
    if (output) output.textContent = `${input.value} %`;
  }
});

// "Skicka tillbaka": an in-page dialog asking why (required), all by keyboard: the
// button (or Enter on it) opens it with the focus in the reason, Enter sends, Esc
// cancels. The reason goes to review.js as the event "sus-send-back" on #review.
(function () {
  const root = document.getElementById("review");
  const open = document.getElementById("send-back");
  const dialog = document.getElementById("send-back-dialog");
  if (!root || !open || !dialog) return;
  const form = dialog.querySelector("form");
  const reason = document.getElementById("send-back-reason");
  const error = document.getElementById("send-back-error");

  open.addEventListener("click", () => {
    error.textContent = "";
    dialog.showModal();
    reason.focus();
  });
  // Keys typed in the dialog are the dialog's: not the review page's shortcuts.
  dialog.addEventListener("keydown", (e) => e.stopPropagation());
  reason.addEventListener("input", () => { error.textContent = ""; });
  dialog.querySelector(".cancel").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => open.focus());
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = reason.value.trim();
    if (!text) {
      error.textContent = "Skriv varför: uppladdaren ser skälet på sin batchsida.";
      reason.setAttribute("aria-invalid", "true");
      reason.focus();
      return;
    }
    reason.removeAttribute("aria-invalid");
    dialog.close();
    root.dispatchEvent(new CustomEvent("sus-send-back", { detail: text }));
  });
})();

// Upload many files at once (drag and drop or chooser), then follow the batch.
(function () {
  const form = document.getElementById("upload");
  const zone = document.getElementById("dropzone");
  const input = document.getElementById("files");
  const chosen = document.getElementById("chosen");
  const status = document.getElementById("upload-status");
  const token = document.querySelector('meta[name="csrf-token"]').content;
  let files = [];

  function show() {
    chosen.textContent = files.length ? files.map((f) => f.name).join(", ") : "";
  }
  input.addEventListener("change", () => { files = Array.from(input.files); show(); });
  ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => {
    e.preventDefault(); zone.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, () => zone.classList.remove("over")));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    files = files.concat(Array.from(e.dataTransfer.files)); show();
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!files.length) { status.textContent = "Välj minst en fil."; return; }
    const body = new FormData();
    files.forEach((f) => body.append("files", f, f.name));
    const forbund = document.getElementById("forbund_id");
    if (forbund && forbund.value) body.append("forbund_id", forbund.value);
    status.textContent = "Laddar upp…";
    const response = await fetch("/api/batches", {
      method: "POST", body, headers: { "X-CSRF-Token": token }, credentials: "same-origin",
    });
    const data = await response.json();
    if (!response.ok) { status.textContent = data.message || "Uppladdningen misslyckades."; return; }
    window.location.href = "/batch/" + data.id;
  });
})();

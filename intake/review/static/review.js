// The review page, fully keyboard-driven: a clean form is one keystroke (Enter on the
// focused approve button); a flagged field is its correction plus Enter.
(function () {
  const root = document.getElementById("review");
  if (!root) return;
  const id = root.dataset.document;
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const result = document.getElementById("result");
  const approve = document.getElementById("approve");
  const image = document.getElementById("page-image");
  const fields = Array.from(document.querySelectorAll(".field"));
  const A4 = 297 / 210;

  // The boxes over the page image, placed here (the CSP allows no inline style).
  document.querySelectorAll(".page .box").forEach((b) => {
    const [x, y, w, h] = b.dataset.box.split(",").map(Number);
    Object.assign(b.style, { left: x * 100 + "%", top: y * 100 + "%",
                             width: w * 100 + "%", height: h * 100 + "%" });
  });

  function control(li) { return li.querySelector(".value"); }
  function focusable(li) {
    const c = control(li);
    return c && c.classList.contains("multi") ? c.querySelector("input") : c;
  }
  function valueOf(li) {
    const c = control(li), type = li.dataset.type;
    if (type === "multi") {
      return Array.from(c.querySelectorAll("input:checked")).map((i) => i.value).sort();
    }
    if (type === "signature") return c.checked;
    if (type === "yesno") return c.value === "" ? null : c.value === "true";
    return c.value.trim() === "" ? null : c.value.trim();
  }
  const original = new Map(fields.map((li) => [li.dataset.field, JSON.stringify(valueOf(li))]));
  const saved = new Map(original);

  function snippets() {
    if (!image || !image.naturalWidth) return;
    fields.forEach((li) => {
      const box = li.dataset.box && li.dataset.box.split(",").map(Number);
      const el = li.querySelector(".snippet");
      if (!box) { el.style.display = "none"; return; }
      const pad = 0.012, width = el.clientWidth || 400;
      const pageW = Math.min(width / (box[2] + 2 * pad), width * 2.2), pageH = pageW * A4;
      const height = Math.min(Math.max((box[3] + 2 * pad) * pageH, 28), 90);
      el.style.height = height + "px";
      el.style.backgroundImage = "url('" + image.src + "')";
      el.style.backgroundSize = pageW + "px " + pageH + "px";
      const top = box[1] * pageH - (height - box[3] * pageH) / 2;
      el.style.backgroundPosition = -(box[0] - pad) * pageW + "px " + -top + "px";
    });
  }
  if (image) { image.complete ? snippets() : image.addEventListener("load", snippets); }
  window.addEventListener("resize", snippets);

  function current(li) {
    fields.forEach((f) => f.classList.toggle("current", f === li));
    document.querySelectorAll(".page .box").forEach((b) =>
      b.classList.toggle("current", li && b.dataset.field === li.dataset.field));
  }
  function go(li) {
    if (!li) { if (approve) approve.focus(); current(null); return; }
    current(li);
    const target = focusable(li);
    if (target) { target.focus(); li.scrollIntoView({ block: "nearest" }); }
  }
  function nextFlagged(after) {
    const start = after ? fields.indexOf(after) + 1 : 0;
    return fields.slice(start).find((li) => li.classList.contains("flagged"));
  }
  fields.forEach((li) => li.addEventListener("focusin", () => current(li)));

  async function call(method, url, body) {
    const response = await fetch(url, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    return { ok: response.ok, data };
  }
  function refresh(view) {
    view.fields.forEach((f) => {
      const li = document.getElementById("field-" + f.name);
      if (!li) return;
      li.classList.toggle("flagged", f.flagged);
      li.querySelector(".msg").textContent = f.messages.join(" · ");
      li.querySelector(".conf").textContent =
        Math.round(f.confidence * 100) + " %" + (f.corrected ? " · rättad" : "");
    });
    document.querySelectorAll(".page .box").forEach((b) => {
      const li = document.getElementById("field-" + b.dataset.field);
      b.classList.toggle("flagged", li && li.classList.contains("flagged"));
    });
  }
  async function save(li) {
    const name = li.dataset.field, value = valueOf(li);
    if (JSON.stringify(value) === saved.get(name)) return true;
    if (!(await claimed)) return false;
    const { ok, data } = await call("PUT", "/api/documents/" + id + "/fields",
                                    { values: { [name]: value } });
    if (!ok) {
      li.querySelector(".msg").textContent = data.message || "Värdet kunde inte sparas.";
      li.classList.add("flagged");
      return false;
    }
    saved.set(name, JSON.stringify(value));
    refresh(data);
    return true;
  }
  async function saveAll() {
    for (const li of fields) { if (!(await save(li))) { go(li); return false; } }
    return true;
  }

  function showRefusal(data) {
    result.className = "refusal";
    result.innerHTML = "";
    const p = document.createElement("p");
    p.textContent = data.message || "Det gick inte att registrera.";
    result.appendChild(p);
    (data.candidates || []).forEach((name) => {
      const q = document.createElement("p"); q.textContent = "Möjligt namn: " + name;
      result.appendChild(q);
    });
    (data.ways_out || []).forEach((way, i) => {
      const b = document.createElement("button");
      b.type = "button"; b.className = "secondary way-out"; b.dataset.action = way.action;
      b.textContent = (i + 1) + ". " + way.label;
      b.addEventListener("click", () => decide(way.action));
      result.appendChild(b);
    });
    const first = result.querySelector("button");
    if (first) first.focus();
  }
  // Opening the page shows the document; taking it is this POST, made only when this
  // reviewer may decide it. Nothing is saved or decided before the claim is answered.
  let claimed = Promise.resolve(false);
  function claim() {
    claimed = call("POST", "/api/documents/" + id + "/claim", {}).then(({ ok, data }) => {
      if (ok) return true;
      result.className = "refusal";
      result.textContent = data.message || "Dokumentet kunde inte tas för granskning.";
      document.querySelectorAll("#approve, #send-back, #reject").forEach((b) => b.remove());
      return false;
    });
    return claimed;
  }
  async function decide(action, reason) {
    if (!(await claimed)) return;
    if (!(await saveAll())) return;
    result.className = ""; result.textContent = "Registrerar…";
    const { ok, data } = await call("POST", "/api/documents/" + id + "/decision",
                                    { action, reason: reason || "" });
    if (!ok) { showRefusal(data); return; }
    result.className = "outcome";
    result.textContent = data.message + " Nästa dokument…";
    sessionStorage.setItem("sus-outcome", data.message);
    setTimeout(() => { window.location.href = "/granska/nasta"; }, 600);
  }

  document.addEventListener("keydown", async (e) => {
    const li = e.target.closest && e.target.closest(".field");
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); decide("approve"); return; }
    if (li && e.key === "Enter" && e.target.type !== "checkbox") {
      e.preventDefault();
      if (await save(li)) go(nextFlagged(li));
      return;
    }
    if (li && e.key === "Escape") {
      const c = control(li);
      const before = JSON.parse(saved.get(li.dataset.field));
      if (c.tagName === "SELECT") c.value = before === null ? "" : String(before);
      else if (c.type !== "checkbox" && !c.classList.contains("multi")) c.value = before ?? "";
      return;
    }
    if (e.altKey && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      e.preventDefault();
      const at = li ? fields.indexOf(li) : -1;
      go(fields[e.key === "ArrowDown" ? at + 1 : Math.max(at - 1, 0)]);
      return;
    }
    if (/^[1-4]$/.test(e.key) && !li) {
      const way = result.querySelectorAll(".way-out")[Number(e.key) - 1];
      if (way) { e.preventDefault(); way.click(); }
    }
  });
  if (approve) approve.addEventListener("click", () => decide("approve"));
  // The reason comes from the in-page dialog of sendback.js.
  root.addEventListener("sus-send-back", (e) => decide("send_back", e.detail));
  const reject = document.getElementById("reject");
  if (reject) reject.addEventListener("click", () => decide("reject"));
  const guarded = document.getElementById("protected");
  if (guarded) guarded.addEventListener("click", () => {
    if (confirm("Skyddade personuppgifter: personen registreras anonymt (år och kön) och " +
                "blanketten, skanningen och samtycket tas bort. Fortsätta?")) decide("protected");
  });

  const flash = sessionStorage.getItem("sus-outcome");
  if (flash) {
    sessionStorage.removeItem("sus-outcome");
    const last = document.getElementById("last-outcome");
    if (last) last.textContent = "Föregående: " + flash;
  }
  if (root.dataset.decidable === "true") { claim(); go(nextFlagged(null)); }
})();

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

  // A förbund or insats SUS does not have: the closest name is preselected (Enter takes
  // it), the others are one key each (Alt+1…), or a click.
  function fill(li, name) {
    const c = control(li);
    if (c.tagName === "SELECT" && !Array.from(c.options).some((o) => o.value === name)) {
      c.add(new Option(name, name));
    }
    c.value = name;
  }
  async function accept(li, name) {
    fill(li, name);
    if (await save(li)) go(nextFlagged(li));
  }
  if (root.dataset.decidable === "true") {
    fields.filter((li) => li.dataset.suggest).forEach((li) => fill(li, li.dataset.suggest));
  }
  document.querySelectorAll(".suggestion").forEach((b) => b.addEventListener("click", () =>
    accept(b.closest(".field"), b.dataset.value)));

  // Each field's snippet is cut from the image of the page its box is on (a form of
  // several pages has one image per page).
  const images = Array.from(document.querySelectorAll(".page img.page-image"));
  function imageOf(li) {
    return images.find((i) => i.dataset.sida === (li.dataset.sida || "1"));
  }
  function snippets() {
    if (!image || !image.naturalWidth) return;
    fields.forEach((li) => {
      const box = li.dataset.box && li.dataset.box.split(",").map(Number);
      const el = li.querySelector(".snippet");
      const pageImage = imageOf(li);
      if (!box || !pageImage) { el.style.display = "none"; return; }
      const pad = 0.012, width = el.clientWidth || 400;
      const pageW = Math.min(width / (box[2] + 2 * pad), width * 2.2), pageH = pageW * A4;
      const height = Math.min(Math.max((box[3] + 2 * pad) * pageH, 28), 90);
      el.style.height = height + "px";
      el.style.backgroundImage = "url('" + pageImage.src + "')";
      el.style.backgroundSize = pageW + "px " + pageH + "px";
      const top = box[1] * pageH - (height - box[3] * pageH) / 2;
      el.style.backgroundPosition = -(box[0] - pad) * pageW + "px " + -top + "px";
    });
  }
  images.forEach((i) => { if (!i.complete) i.addEventListener("load", snippets); });
  if (image && image.complete) snippets();
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
    const into = data.field && document.getElementById("field-" + data.field);
    if (into) {  // the field the refusal is about is flagged again, with its reason
      into.classList.add("flagged");
      into.querySelector(".msg").textContent = p.textContent;
    }
    (data.candidates || []).forEach((name, i) => {
      if (!into) {
        const q = document.createElement("p"); q.textContent = "Möjligt namn: " + name;
        result.appendChild(q);
        return;
      }
      const b = document.createElement("button");  // fills the field, then Enter approves
      b.type = "button"; b.className = "secondary way-out candidate";
      b.textContent = (i + 1) + ". " + name;
      b.addEventListener("click", async () => {
        fill(into, name);
        if (await save(into)) { result.textContent = ""; if (approve) approve.focus(); }
      });
      result.appendChild(b);
    });
    (data.ways_out || []).forEach((way, i) => {
      const b = document.createElement("button");
      b.type = "button"; b.className = "secondary way-out"; b.dataset.action = way.action;
      b.textContent = (i + 1) + ". " + way.label;
      b.addEventListener("click", () => decide(way.action));
      result.appendChild(b);
    });
    const skip = document.createElement("a");  // a refusal never traps the queue
    skip.href = "/granska/nasta?efter=" + id; skip.className = "skip-on";
    skip.textContent = "Hoppa över – nästa dokument";
    result.appendChild(skip);
    const first = result.querySelector("button") || skip;
    first.focus();
  }
  // Opening the page shows the document; taking it is this POST, made only when this
  // reviewer may decide it. Nothing is saved or decided before the claim is answered.
  let claimed = Promise.resolve(false);
  let renewing = null;
  function claim(renew) {
    const asked = { renew: renew === true };
    claimed = call("POST", "/api/documents/" + id + "/claim", asked).then(({ ok, data }) => {
      if (ok) {
        // The claim is renewed while the page is open and lapses soon after it closes;
        // a renewal keeps only a claim still this page's (released or lapsed: it stops).
        if (!renewing) {
          const every = Number(root.dataset.renew || 30) * 1000;
          renewing = setInterval(() => claim(true), every);
        }
        return true;
      }
      if (renewing) { clearInterval(renewing); renewing = null; }
      result.className = "refusal";
      result.textContent = data.message || "Dokumentet kunde inte tas för granskning.";
      document.querySelectorAll("#approve, #send-back, #reject, #protected, #release-mine")
        .forEach((b) => b.remove());
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
    decidedHere = true;
    if (renewing) { clearInterval(renewing); renewing = null; }
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
    if (li && e.altKey && /^[1-9]$/.test(e.key)) {
      const offered = li.querySelectorAll(".suggestion")[Number(e.key) - 1];
      if (offered) { e.preventDefault(); accept(li, offered.dataset.value); }
      return;
    }
    if (/^[1-9]$/.test(e.key) && !li) {
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

  // Releasing: the holder (this page) and an admin (a claim left behind). Leaving the
  // page lets the claim go at once; a page restored by the back button is read afresh.
  let decidedHere = false;
  function release() {
    return fetch("/api/documents/" + id + "/release", {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: { "X-CSRF-Token": token },
    });
  }
  const releaseMine = document.getElementById("release-mine");
  if (releaseMine) releaseMine.addEventListener("click", async () => {
    if (renewing) { clearInterval(renewing); renewing = null; }
    await release();
    window.location.href = "/ko";
  });
  const releaseOther = document.getElementById("release");
  if (releaseOther) releaseOther.addEventListener("click", async () => {
    const response = await release();
    if (response.ok) window.location.reload();
  });
  window.addEventListener("pagehide", () => {
    if (renewing && !decidedHere) { clearInterval(renewing); renewing = null; release(); }
  });
  window.addEventListener("pageshow", (e) => { if (e.persisted) window.location.reload(); });

  const flash = root.dataset.decidable === "true" && sessionStorage.getItem("sus-outcome");
  if (flash) {
    sessionStorage.removeItem("sus-outcome");
    const last = document.getElementById("last-outcome");
    if (last) last.textContent = "Föregående: " + flash;
  }
  if (root.dataset.decidable === "true") { claim(); go(nextFlagged(null)); }
})();

// The review page's scan, zoomed and panned by keyboard (on the focused scan: + and −
// zoom, the arrows move, 0 shows the whole page), by its buttons and by mouse (drag,
// Ctrl+wheel, double-click). And the page's heading stays in view when the focus lands
// on Godkänn (the decision buttons stay at the bottom of the window).
(function () {
  const page = document.getElementById("page");
  const scan = document.getElementById("scan");
  const level = document.getElementById("zoom-level");
  const MAX = 6, STEP = 1.5, MOVE = 0.15;
  let scale = 1, x = 0, y = 0;

  function clamp(value, low, high) { return Math.min(Math.max(value, low), high); }
  function apply() {
    const w = page.clientWidth, h = page.clientHeight;
    x = clamp(x, w - w * scale, 0);
    y = clamp(y, h - h * scale, 0);
    scan.style.transform = "translate(" + x + "px, " + y + "px) scale(" + scale + ")";
    page.classList.toggle("zoomed", scale > 1);
    if (level) level.textContent = Math.round(scale * 100) + " %";
    page.dataset.zoom = scale.toFixed(3);
  }
  // Zoom by ``factor`` keeping the point (cx, cy) of the visible page where it is.
  function zoom(factor, cx, cy) {
    const next = clamp(scale * factor, 1, MAX);
    if (cx === undefined) { cx = page.clientWidth / 2; cy = page.clientHeight / 2; }
    x = cx - (cx - x) * (next / scale);
    y = cy - (cy - y) * (next / scale);
    scale = next;
    apply();
  }
  function reset() { scale = 1; x = 0; y = 0; apply(); }
  function pan(dx, dy) { x += dx * page.clientWidth; y += dy * page.clientHeight; apply(); }

  if (page && scan && document.getElementById("page-image")) {
    const keys = {
      "+": () => zoom(STEP), "=": () => zoom(STEP), "-": () => zoom(1 / STEP),
      "0": reset, ArrowLeft: () => pan(MOVE, 0), ArrowRight: () => pan(-MOVE, 0),
      ArrowUp: () => pan(0, MOVE), ArrowDown: () => pan(0, -MOVE),
    };
    page.addEventListener("keydown", (e) => {
      const act = !e.altKey && !e.ctrlKey && !e.metaKey && keys[e.key];
      if (!act) return;
      e.preventDefault();
      e.stopPropagation();  // the scan's keys, not the review page's shortcuts
      act();
    });
    document.querySelectorAll("#zoom-controls [data-zoom]").forEach((b) =>
      b.addEventListener("click", () => {
        ({ in: () => zoom(STEP), out: () => zoom(1 / STEP), reset })[b.dataset.zoom]();
      }));
    page.addEventListener("wheel", (e) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
      const r = page.getBoundingClientRect();
      zoom(e.deltaY < 0 ? STEP : 1 / STEP, e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    page.addEventListener("dblclick", (e) => {
      const r = page.getBoundingClientRect();
      zoom(STEP, e.clientX - r.left, e.clientY - r.top);
    });
    let drag = null;
    page.addEventListener("pointerdown", (e) => {
      if (scale === 1) return;
      drag = { px: e.clientX, py: e.clientY, x, y };
      page.setPointerCapture(e.pointerId);
    });
    page.addEventListener("pointermove", (e) => {
      if (!drag) return;
      x = drag.x + e.clientX - drag.px; y = drag.y + e.clientY - drag.py;
      apply();
    });
    page.addEventListener("pointerup", () => { drag = null; });
    window.addEventListener("resize", apply);
    apply();
  }

  const approve = document.getElementById("approve");
  const heading = document.querySelector("main h1");
  function headingInView() {
    if (!heading) return;
    const top = heading.getBoundingClientRect().top;
    if (top < 0 || top > window.innerHeight) heading.scrollIntoView({ block: "start" });
  }
  if (approve) {
    approve.addEventListener("focus", headingInView);
    if (document.activeElement === approve) headingInView();
  }
})();

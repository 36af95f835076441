// One template drawn over its blank: choose a widget (click, j/k, arrows), then fix its
// box by a candidate (click or number key), by dragging a rectangle, or with the keys
// (e, arrows move 0.5 mm, Shift+arrows resize, Enter saves, Esc cancels). Each page of
// the template is a sheet of its own; a widget is fixed on the sheet of its page.
"use strict";
(function () {
  var sheet = document.getElementById("sheet");
  if (!sheet) return;
  var SVG = "http://www.w3.org/2000/svg";
  var STEP = 0.5;
  var sheets = {};  // page number → its sheet, drawing, draft box, candidates, size (mm)
  Array.prototype.forEach.call(document.querySelectorAll(".sheet[data-page]"), function (node) {
    var drawing = node.querySelector("svg.boxes");
    sheets[node.dataset.page] = {
      node: node, svg: drawing, draft: drawing.querySelector("rect.draft"),
      candidates: drawing.querySelector("g.candidates"),
      width: Number(node.dataset.width), height: Number(node.dataset.height)};
  });
  var active = sheets["1"];  // the sheet of the chosen widget's page
  var status = document.getElementById("box-status");
  var saveButton = document.getElementById("save-box");
  var items = Array.prototype.slice.call(document.querySelectorAll("#widgets li"));
  var editable = sheet.dataset.editable === "true";
  var csrf = document.querySelector("meta[name=csrf-token]").content;
  var selected = -1, draft = null, dragFrom = null;

  function rectOf(text) {
    var p = text.trim().split(" ").map(Number);
    return p.length === 4 ? {x: p[0], y: p[1], w: p[2], h: p[3]} : null;
  }
  function candidatesOf(item) {
    return item.dataset.candidates.split(";").filter(function (s) { return s.trim(); }).map(rectOf);
  }
  function open(item) {
    return item.dataset.state === "ambiguous" || item.dataset.state === "missing";
  }
  function round(v) { return Math.round(v * 100) / 100; }
  function say(text, alarm) {
    status.textContent = text;
    status.className = alarm ? "refusal" : "muted";
    status.setAttribute("role", alarm ? "alert" : "status");
  }
  function place(node, r) {
    node.setAttribute("x", r.x); node.setAttribute("y", r.y);
    node.setAttribute("width", r.w); node.setAttribute("height", r.h);
  }

  function pageOf(item) { return sheets[item.dataset.page || "1"] || sheets["1"]; }
  function sheetOf(node) {
    var page = node.closest(".sheet[data-page]");
    return page ? sheets[page.dataset.page] : null;
  }

  function select(index) {
    if (!items.length) return;
    selected = (index + items.length) % items.length;
    clearDraft();
    items.forEach(function (item, i) { item.classList.toggle("selected", i === selected); });
    var item = items[selected];
    document.querySelectorAll(".sheet rect.box").forEach(function (box) {
      box.classList.toggle("selected", box.dataset.name === item.dataset.name);
    });
    var before = active;
    active = pageOf(item);
    drawCandidates(item);
    item.focus({preventScroll: true});
    item.scrollIntoView({block: "nearest"});
    if (active !== before && active !== sheets["1"]) active.node.scrollIntoView({block: "nearest"});
    var count = candidatesOf(item).length;
    say(editable && open(item) ? (count ? "Välj en föreslagen ruta (1–" + count + ") eller rita rutan."
                                          : "Rita rutan på blanketten, eller tryck e.") : "");
  }

  function drawCandidates(item) {
    Object.keys(sheets).forEach(function (page) { sheets[page].candidates.textContent = ""; });
    var candidatesLayer = active.candidates;
    if (!editable || !open(item)) return;
    candidatesOf(item).forEach(function (r, i) {
      var box = document.createElementNS(SVG, "rect");
      place(box, r);
      box.setAttribute("class", "candidate");
      box.dataset.index = String(i);
      var label = document.createElementNS(SVG, "text");
      label.setAttribute("x", r.x + r.w + 1); label.setAttribute("y", r.y + Math.min(r.h, 5));
      label.setAttribute("class", "candidate-number");
      label.textContent = String(i + 1);
      candidatesLayer.appendChild(box); candidatesLayer.appendChild(label);
    });
  }

  function showDraft(r) {
    draft = {x: round(r.x), y: round(r.y), w: round(r.w), h: round(r.h)};
    place(active.draft, draft);
    active.draft.setAttribute("visibility", "visible");
    saveButton.hidden = false;
    say("Ny ruta: x " + draft.x + ", y " + draft.y + ", " + draft.w + " × " + draft.h +
        " mm. Enter sparar, Esc ångrar.");
  }
  function clearDraft() {
    draft = null;
    active.draft.setAttribute("visibility", "hidden");
    saveButton.hidden = true;
  }

  function save(r) {
    var item = items[selected];
    say("Sparar …");
    fetch("/api/templates/" + encodeURIComponent(sheet.dataset.id) + "/widgets/" +
          encodeURIComponent(item.dataset.name), {
      method: "PUT", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
      body: JSON.stringify({x: round(r.x), y: round(r.y), w: round(r.w), h: round(r.h)})
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { say(body.message || "Rutan kunde inte sparas.", true); return; }
        location.href = "/mallar/" + encodeURIComponent(sheet.dataset.id) + "?vald=" +
          encodeURIComponent(item.dataset.name);
      });
    }).catch(function () { say("Rutan kunde inte sparas: ingen kontakt med tjänsten.", true); });
  }

  function mm(event) {
    var box = active.svg.getBoundingClientRect(), width = active.width, height = active.height;
    return {x: Math.max(0, Math.min(width, (event.clientX - box.left) / box.width * width)),
            y: Math.max(0, Math.min(height, (event.clientY - box.top) / box.height * height))};
  }

  function pointerDown(event) {
    var target = event.target;
    if (target.classList.contains("candidate") && selected >= 0) {
      save(candidatesOf(items[selected])[Number(target.dataset.index)]);
      return;
    }
    if (target.classList.contains("box") && !event.shiftKey && !draft) {
      select(items.findIndex(function (i) { return i.dataset.name === target.dataset.name; }));
      return;
    }
    if (!editable || selected < 0) return;
    if (sheetOf(target) !== active) {
      say("Fältet ligger på sida " + (items[selected].dataset.page || "1") +
          "; rita dess ruta där.", true);
      return;
    }
    event.preventDefault();
    dragFrom = mm(event);
    active.svg.setPointerCapture(event.pointerId);
  }
  function pointerMove(event) {
    if (!dragFrom) return;
    var to = mm(event);
    showDraft({x: Math.min(dragFrom.x, to.x), y: Math.min(dragFrom.y, to.y),
               w: Math.abs(to.x - dragFrom.x), h: Math.abs(to.y - dragFrom.y)});
  }
  function pointerUp() {
    dragFrom = null;
    if (draft && (draft.w < 1 || draft.h < 1)) clearDraft();
  }
  Object.keys(sheets).forEach(function (page) {
    var drawing = sheets[page].svg;
    drawing.addEventListener("pointerdown", pointerDown);
    drawing.addEventListener("pointermove", pointerMove);
    drawing.addEventListener("pointerup", pointerUp);
  });
  saveButton.addEventListener("click", function () { if (draft) save(draft); });
  items.forEach(function (item, i) {
    item.addEventListener("click", function () { select(i); });
  });

  function editKey(event) {
    var d = {x: draft.x, y: draft.y, w: draft.w, h: draft.h};
    var moves = {ArrowLeft: [-STEP, 0], ArrowRight: [STEP, 0], ArrowUp: [0, -STEP], ArrowDown: [0, STEP]};
    if (event.key === "Enter") { save(draft); return true; }
    if (event.key === "Escape") { clearDraft(); say(""); return true; }
    var move = moves[event.key];
    if (!move) return false;
    if (event.shiftKey) { d.w = Math.max(1, d.w + move[0]); d.h = Math.max(1, d.h + move[1]); }
    else { d.x += move[0]; d.y += move[1]; }
    d.x = Math.max(0, Math.min(active.width - d.w, d.x));
    d.y = Math.max(0, Math.min(active.height - d.h, d.y));
    showDraft(d);
    return true;
  }

  function listKey(event) {
    if (event.key === "j" || event.key === "ArrowDown") { select(selected + 1); return true; }
    if (event.key === "k" || event.key === "ArrowUp") { select(selected - 1); return true; }
    if (!editable || selected < 0) return false;
    var item = items[selected];
    if (/^[1-9]$/.test(event.key) && open(item)) {
      var chosen = candidatesOf(item)[Number(event.key) - 1];
      if (chosen) save(chosen);
      return true;
    }
    if (event.key === "e") {
      var current = rectOf(item.dataset.rect);
      showDraft(current || {x: active.width / 2 - 25, y: active.height / 2 - 4, w: 50, h: 8});
      return true;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(document.activeElement.tagName)) return;
    if (draft ? editKey(event) : listKey(event)) event.preventDefault();
  });

  var wanted = new URLSearchParams(location.search).get("vald");
  var start = items.findIndex(function (i) { return i.dataset.name === wanted; });
  if (start < 0) start = items.findIndex(open);
  select(Math.max(0, start));
})();

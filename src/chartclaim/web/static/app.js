// chartclaim — keyboard navigation, evidence highlighting, inline code search. No framework, no network
// beyond this server. Every write goes through a form or fetch carrying the CSRF token.
(function () {
  "use strict";
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // ---- selection lists: table rows ([data-nav]) or the code list (.codes)
  function items() {
    const codes = document.querySelectorAll(".codes .code-item");
    if (codes.length) return Array.from(codes);
    return Array.from(document.querySelectorAll("table[data-nav] tbody tr"));
  }
  let selIndex = -1;
  function select(i) {
    const list = items();
    if (!list.length) return;
    selIndex = Math.max(0, Math.min(list.length - 1, i));
    list.forEach((el, j) => el.classList.toggle("sel", j === selIndex));
    const el = list[selIndex];
    el.scrollIntoView({ block: "nearest" });
    if (el.classList.contains("code-item")) highlight(el);
  }
  function current() { const l = items(); return selIndex >= 0 ? l[selIndex] : null; }

  // ---- evidence: rebuild the note text with <mark> around the selected code's spans
  function highlight(item) {
    const note = document.getElementById("note");
    if (!note) return;
    const text = note.dataset.text !== undefined ? note.dataset.text : note.textContent;
    note.dataset.text = text;
    const spans = (item.dataset.spans || "").split(",").filter(Boolean).map((s) => s.split("-").map(Number))
      .filter((p) => p.length === 2 && p[0] < p[1]).sort((a, b) => a[0] - b[0]);
    note.textContent = "";
    let pos = 0;
    let first = null;
    for (const [s, e] of spans) {
      if (s < pos) continue; // overlapping spans: keep the first
      note.appendChild(document.createTextNode(text.slice(pos, s)));
      const m = document.createElement("mark");
      m.className = "ev";
      m.dataset.code = item.dataset.code || "";
      m.textContent = text.slice(s, e);
      note.appendChild(m);
      first = first || m;
      pos = e;
    }
    note.appendChild(document.createTextNode(text.slice(pos)));
    if (first) first.scrollIntoView({ block: "center" });
    document.querySelectorAll(".code-item").forEach((el) => el.classList.toggle("sel", el === item));
    selIndex = items().indexOf(item);
  }

  document.addEventListener("click", (ev) => {
    const t = ev.target;
    if (!(t instanceof Element)) return;
    const item = t.closest(".code-item");
    if (item && !t.closest("form, button, input, select, textarea, a")) highlight(item);
    const all = t.closest("input[data-check-all]");
    if (all) document.querySelectorAll('input[name="' + all.dataset.checkAll + '"]').forEach((c) => { c.checked = all.checked; });
    const pick = t.closest(".search-results li");
    if (pick) {
      const target = document.getElementById(pick.parentElement.dataset.target || "");
      if (target) { target.value = pick.dataset.code; target.focus(); }
      pick.parentElement.textContent = "";
    }
  });

  // ---- decisions on the selected code: a (accept), r (reject), c (change)
  function decide(kind) {
    const item = current();
    if (!item || !item.classList.contains("code-item")) return;
    const form = item.querySelector("form.decide");
    if (!form) return;
    const reason = form.querySelector('[name="reason"]');
    if (kind !== "accept" && reason && !reason.value) {
      const r = window.prompt(kind === "reject" ? "Reason for rejecting " + item.dataset.code : "Reason for the change");
      if (!r) return;
      reason.value = r;
    }
    if (kind === "change") {
      const nc = form.querySelector('[name="final_code"]');
      if (nc && !nc.value) { const v = window.prompt("Change " + item.dataset.code + " to"); if (!v) return; nc.value = v; }
    }
    form.querySelector('[name="decision"]').value = kind;
    form.submit();
  }

  // ---- inline code search (the encoder)
  let timer = null;
  document.addEventListener("input", (ev) => {
    const t = ev.target;
    if (!(t instanceof HTMLInputElement) || !t.dataset.codeSearch) return;
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const out = document.getElementById(t.dataset.codeSearch);
      if (!out) return;
      const q = t.value.trim();
      if (q.length < 2) { out.textContent = ""; return; }
      const sys = t.dataset.system ? "&system=" + encodeURIComponent(t.dataset.system) : "";
      const r = await fetch("/api/v1/codes/search?limit=15&q=" + encodeURIComponent(q) + sys, { headers: { "X-CSRF-Token": csrf() } });
      out.textContent = "";
      if (!r.ok) { const li = document.createElement("li"); li.textContent = "search failed (" + r.status + ")"; out.appendChild(li); return; }
      const data = await r.json();
      for (const it of data.items) {
        const li = document.createElement("li");
        li.dataset.code = it.code;
        const b = document.createElement("b"); b.textContent = it.code; li.appendChild(b);
        li.appendChild(document.createTextNode(" " + (it.description || "") + (it.billable === false ? " (not billable)" : "")));
        out.appendChild(li);
      }
      if (!data.items.length) { const li = document.createElement("li"); li.textContent = "no match"; out.appendChild(li); }
    }, 150);
  });

  // ---- keyboard
  let gPending = false;
  document.addEventListener("keydown", (ev) => {
    const t = ev.target;
    if (t instanceof HTMLElement && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) {
      if (ev.key === "Escape") t.blur();
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (gPending) {
      gPending = false;
      const dest = { q: "/coding", c: "/claims", d: "/denials", r: "/remittances", p: "/patients", h: "/dashboard" }[ev.key];
      if (dest) { window.location.href = dest; ev.preventDefault(); }
      return;
    }
    const help = document.getElementById("help");
    switch (ev.key) {
      case "j": select(selIndex + 1); break;
      case "k": select(selIndex - 1); break;
      case "Enter": case "o": {
        const el = current();
        const a = el && el.querySelector("a[href]");
        if (a) window.location.href = a.getAttribute("href");
        break;
      }
      case "a": decide("accept"); break;
      case "r": decide("reject"); break;
      case "c": decide("change"); break;
      case "/": { const s = document.querySelector("[data-code-search], .filters input"); if (s) { s.focus(); ev.preventDefault(); } break; }
      case "n": { const nx = document.querySelector('a[rel="next"]'); if (nx) window.location.href = nx.getAttribute("href"); break; }
      case "p": { const pv = document.querySelector('a[rel="prev"]'); if (pv) window.location.href = pv.getAttribute("href"); break; }
      case "g": gPending = true; break;
      case "?": if (help) help.hidden = !help.hidden; break;
      case "Escape": if (help) help.hidden = true; break;
      default: return;
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    const first = document.querySelector(".codes .code-item");
    if (first) highlight(first);
  });
})();

// Progressive enhancement for the review page: keyboard triage (j/k, a, r, p, m, e, o,
// x, u, ?), focus kept on the item after each action, drag-to-reorder inside a section
// and live refresh progress. Every action still works as a plain form POST without this.
"use strict";

(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

  function say(text, kind) {
    const box = document.getElementById("messages");
    if (!box) return;
    const p = document.createElement("p");
    p.className = "flash " + kind;
    p.setAttribute("role", kind === "error" ? "alert" : "status");
    p.textContent = text; // never innerHTML: messages may quote feed text
    box.replaceChildren(p);
  }

  async function post(url, fields) {
    const body = new URLSearchParams(fields);
    body.set("csrf", csrf);
    const response = await fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "X-CSRF-Token": csrf },
    });
    let data = {};
    try { data = await response.json(); } catch (e) { data = {}; }
    return { ok: response.ok, status: response.status, data: data };
  }

  function field(item, name) {
    const input = item.querySelector('input[name="' + name + '"]');
    return input ? input.value : "";
  }

  async function reorder(item, position) {
    const result = await post("/decide", {
      draft: field(item, "draft"),
      item: item.dataset.key,
      version: item.dataset.version,
      op: "reorder",
      position: String(position),
    });
    if (result.ok) {
      window.location.reload();
    } else if (result.status === 409) {
      say("This item was changed elsewhere; reload the page. " + (result.data.error || ""), "error");
    } else {
      say(result.data.error || "The move failed (" + result.status + ").", "error");
    }
  }

  function enableDrag(list) {
    let dragged = null;
    list.addEventListener("dragstart", function (event) {
      dragged = event.target.closest("li.item");
      if (!dragged) return;
      dragged.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.key);
    });
    list.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("dragging");
      list.querySelectorAll(".drop-target").forEach((el) => el.classList.remove("drop-target"));
    });
    list.addEventListener("dragover", function (event) {
      const target = event.target.closest("li.item");
      if (!dragged || !target || target.parentElement !== list) return;
      event.preventDefault();
      list.querySelectorAll(".drop-target").forEach((el) => el.classList.remove("drop-target"));
      target.classList.add("drop-target");
    });
    list.addEventListener("drop", function (event) {
      const target = event.target.closest("li.item");
      if (!dragged || !target || target.parentElement !== list || target === dragged) return;
      event.preventDefault();
      reorder(dragged, Number(target.dataset.position));
    });
  }

  function pollRefresh(box) {
    if (box.dataset.running !== "true") return;
    const timer = window.setInterval(async function () {
      const response = await fetch("/refresh/status?format=json", { credentials: "same-origin" });
      if (!response.ok) return;
      const status = await response.json();
      const line = box.querySelector("p");
      const bar = box.querySelector("progress");
      if (line) {
        line.textContent = "Running: " + status.stage +
          (status.total ? " – " + status.done + " / " + status.total : "") + ".";
      }
      if (bar && status.total) { bar.max = status.total; bar.value = status.done; }
      if (!status.running) { window.clearInterval(timer); window.location.reload(); }
    }, 1000);
  }

  // --- keyboard triage ---------------------------------------------------------

  const nav = window.digestItems("li.item");
  const allItems = nav.all, currentItem = nav.current, focusItem = nav.focus,
    step = nav.step, submitButton = nav.submit;

  function openDetails(item) {
    const more = item.querySelector("details.more");
    if (more) more.open = true;
    return more;
  }

  const keys = {
    j: () => step(1),
    k: () => step(-1),
    a: (item) => submitButton(item, ".quick button.approve"),
    r: (item) => submitButton(item, ".quick button.reject"),
    p: (item) => submitButton(item, ".quick button.reset"),
    m: (item) => { if (openDetails(item)) item.querySelector("select[name=section]")?.focus(); },
    e: (item) => {
      if (!openDetails(item)) return;
      const edit = item.querySelector("details.edit");
      if (edit) { edit.open = true; edit.querySelector("input[name=title]")?.focus(); }
    },
    o: (item) => { const more = item.querySelector("details.more"); if (more) more.open = !more.open; },
    x: (item) => { const box = item.querySelector("input.pick"); if (box) box.checked = !box.checked; },
  };

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const tag = event.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.target.isContentEditable) return;
    const help = document.getElementById("keys-help");
    if (event.key === "?") { if (help) { help.showModal(); } event.preventDefault(); return; }
    if (event.key === "u") {
      const undo = document.querySelector("#undo-last");
      if (undo) { undo.requestSubmit(); event.preventDefault(); }
      return;
    }
    const action = keys[event.key];
    if (!action) return;
    const item = currentItem();
    if (!item && event.key !== "j" && event.key !== "k") return;
    event.preventDefault();
    action(item);
  }

  function restoreFocus() {
    // After an action the page comes back at #item-KEY: put the keyboard focus there
    // too, so triage continues without tabbing back.
    const view = document.getElementById("draft-view");
    let target = window.location.hash.startsWith("#item-")
      ? document.getElementById(window.location.hash.slice(1)) : null;
    const error = document.querySelector("li.item .flash.beside.error");
    if (view && window.location.pathname !== "/") {
      // A refused POST answers in place (409): show the page's own address again.
      target = error ? error.closest("li.item") : target;
      history.replaceState(null, "", view.dataset.here + (target ? "#" + target.id : ""));
    }
    if (target) {
      const typed = target.querySelector("details.edit[open] input[name=title]");
      if (typed && error) { typed.focus(); } else { focusItem(target); }
      target.scrollIntoView({ block: "center" });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.addEventListener("keydown", onKey);
    document.querySelector(".help-open")?.addEventListener("click", function () {
      document.getElementById("keys-help")?.showModal();
    });
    restoreFocus();
    document.querySelectorAll("ol.items[data-section]").forEach(enableDrag);
    const box = document.getElementById("refresh-status");
    if (box) pollRefresh(box);
  });
})();

// Progressive enhancement for the translator's review page: keyboard review (j/k, e,
// r, t, a, ?; Ctrl+Enter saves, Esc leaves the text box), a confirmation before the
// edition is approved or typed text is left unsaved, and focus kept on the item after
// each action. Every action still works as a plain form POST without this.
"use strict";

(function () {
  const nav = window.digestItems("li.tr");
  const allItems = nav.all, currentItem = nav.current, focusItem = nav.focus,
    step = nav.step, submitButton = nav.submit;

  function edit(item) {
    // An item's summary; the issue title's card has only its title.
    const box = item && (item.querySelector("textarea[name=summary]") ||
      item.querySelector("input[name=title]"));
    if (!box) return;
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }

  const keys = {
    j: () => step(1),
    k: () => step(-1),
    e: edit,
    r: (item) => submitButton(item, "button.review"),
    t: () => submitButton(document, ".toolbar button.translate-all"),
    a: () => submitButton(document, "#approve-edition button"),
  };
  const needsItem = new Set(["e", "r"]);

  function onKey(event) {
    const target = event.target;
    const tag = target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable) {
      const form = target.closest && target.closest("form.edit");
      if (form && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        form.requestSubmit(form.querySelector("button.save"));
      } else if (form && event.key === "Escape") {
        event.preventDefault();
        focusItem(target.closest("li.tr"));
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "?") {
      const help = document.getElementById("keys-help");
      if (help && !help.open) help.showModal();
      event.preventDefault();
      return;
    }
    const action = keys[event.key];
    if (!action) return;
    const item = currentItem();
    if (needsItem.has(event.key) && !item) return;
    event.preventDefault();
    action(item);
  }

  // Typed but unsaved translations: any other action reloads the page and would lose
  // them, so it asks first.
  let submitting = false;

  function unsaved(except) {
    return Array.from(document.querySelectorAll("form.edit[data-dirty]")).filter((f) => f !== except);
  }

  function onSubmit(event) {
    const form = event.target;
    if (form.method === "dialog") return;
    const lost = unsaved(form);
    if (lost.length) {
      const names = lost.map((f) => f.closest("li.tr").querySelector("h3").textContent).join(", ");
      if (!window.confirm("Your typed text in " + names + " is not saved and will be lost. Go on?")) {
        event.preventDefault();
        return;
      }
    }
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    submitting = true;
    // Machine translation takes a second or more per few items: say so, and no double post.
    const button = event.submitter;
    if (button && form.action.endsWith("/translate")) {
      window.setTimeout(function () { button.disabled = true; button.textContent = "Translating…"; }, 0);
    }
  }

  function restoreFocus() {
    // After an action the page comes back at #tr-KEY: the keyboard focus goes there
    // too (into the text box when a save was refused, so the typed text is at hand).
    const view = document.getElementById("edition-view");
    let target = window.location.hash.startsWith("#tr-")
      ? document.getElementById(window.location.hash.slice(1)) : null;
    const error = document.querySelector("li.tr .flash.beside.error");
    if (view && error) {
      // A refused POST answers in place (400, 409): show the page's own address again.
      target = error.closest("li.tr");
      history.replaceState(null, "", view.dataset.here + "#" + target.id);
    }
    if (!target) return;
    const land = function () {
      if (error) { edit(target); } else { focusItem(target); }
      target.scrollIntoView({ block: "center" });
    };
    land();
    // Chrome focuses the fragment's element again at "load": land once more after it.
    if (error) window.addEventListener("load", function () { window.setTimeout(land, 0); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.addEventListener("keydown", onKey);
    document.querySelector(".help-open")?.addEventListener("click", function () {
      document.getElementById("keys-help")?.showModal();
    });
    document.addEventListener("submit", onSubmit);
    // "Start from the machine draft": its text into the box, unsaved until Save.
    document.querySelectorAll("button.use-machine").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        const form = button.closest("form.edit");
        const box = form.querySelector("textarea[name=summary]");
        box.value = button.dataset.text;
        form.dataset.dirty = "1";
        box.focus();
      });
    });
    document.addEventListener("input", function (event) {
      const form = event.target.closest && event.target.closest("form.edit");
      if (form) form.dataset.dirty = "1";
    });
    window.addEventListener("beforeunload", function (event) {
      if (!submitting && unsaved(null).length) event.preventDefault();
    });
    restoreFocus();
  });
})();

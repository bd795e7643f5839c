// Moving the focus through a page's list items with the keyboard, shared by the
// review page (li.item) and the translator's page (li.tr): digestItems(selector).
"use strict";

window.digestItems = function (selector) {
  function all() { return Array.from(document.querySelectorAll(selector)); }

  function current() {
    const active = document.activeElement;
    return active && active.closest ? active.closest(selector) : null;
  }

  function focus(item) {
    if (!item) return;
    item.focus({ preventScroll: true });
    item.scrollIntoView({ block: "nearest" });
  }

  function step(by) {
    const items = all();
    if (!items.length) return;
    const at = items.indexOf(current());
    const next = at < 0 ? (by > 0 ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, at + by));
    focus(items[next]);
  }

  // Submits the form of the button ``buttonSelector`` finds inside ``scope``.
  function submit(scope, buttonSelector) {
    const button = scope && scope.querySelector(buttonSelector);
    if (button) button.closest("form").requestSubmit(button);
  }

  return { all: all, current: current, focus: focus, step: step, submit: submit };
};

// Small progressive enhancements; every page works without JavaScript.
"use strict";

// Reviewer console: j/k move between items, r remove, x reject, i request info, space toggles the bulk checkbox.
document.addEventListener("DOMContentLoaded", () => {
  const items = Array.from(document.querySelectorAll("[data-review-item]"));
  if (!items.length) return;
  let current = 0;
  const focus = (i) => {
    items.forEach((el) => el.classList.remove("active"));
    current = Math.max(0, Math.min(items.length - 1, i));
    items[current].classList.add("active");
    items[current].scrollIntoView({ block: "nearest" });
  };
  const press = (action) => {
    const button = items[current].querySelector(`button[data-action="${action}"]`);
    if (button) button.click();
  };
  focus(0);
  document.addEventListener("keydown", (event) => {
    const tag = (event.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select"].includes(tag) || event.ctrlKey || event.metaKey || event.altKey) return;
    const keys = { j: () => focus(current + 1), k: () => focus(current - 1), r: () => press("remove"),
      x: () => press("reject"), i: () => press("request_info"),
      " ": () => { const box = items[current].querySelector("input[type=checkbox]"); if (box) box.checked = !box.checked; } };
    const run = keys[event.key];
    if (run) { event.preventDefault(); run(); }
  });
});

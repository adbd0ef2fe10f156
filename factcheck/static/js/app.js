// Progressive enhancement only: every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // j / k move between the claims of an article page.
  const claims = Array.from(document.querySelectorAll(".article-body .claim"));
  if (claims.length === 0) return;
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target instanceof HTMLElement && target.closest("input, textarea, select, [contenteditable]")) return;
    if (event.key !== "j" && event.key !== "k") return;
    const current = claims.indexOf(document.activeElement);
    const next = event.key === "j" ? Math.min(current + 1, claims.length - 1) : Math.max(current - 1, 0);
    claims[next].focus();
    event.preventDefault();
  });
});

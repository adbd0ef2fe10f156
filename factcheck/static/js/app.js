// Progressive enhancement only: every page works without this file.
"use strict";

function typingIn(target) {
  return target instanceof HTMLElement &&
    target.closest("input, textarea, select, [contenteditable]") !== null;
}

function setUpClaimNavigation() {
  // j / k: on the workspace with a claim open, go to the next / previous claim's page;
  // on the overview, move the focus through the claims of the article.
  const next = document.querySelector("[data-next]");
  const prev = document.querySelector("[data-prev]");
  const claims = Array.from(document.querySelectorAll(".article-body .claim"));
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) return;
    if (event.key !== "j" && event.key !== "k") return;
    const panelOpen = document.querySelector(".panel .pager") !== null;
    if (panelOpen) {
      const link = event.key === "j" ? next : prev;
      if (link) { event.preventDefault(); window.location.assign(link.href); }
      return;
    }
    if (claims.length === 0) return;
    const current = claims.indexOf(document.activeElement);
    const index = event.key === "j" ? Math.min(current + 1, claims.length - 1) : Math.max(current - 1, 0);
    claims[index].focus();
    event.preventDefault();
  });
}

function setUpShortcutHelp() {
  const help = document.getElementById("shortcuts");
  if (!help) return;
  document.addEventListener("keydown", (event) => {
    if (event.key !== "?" || typingIn(event.target)) return;
    help.open = !help.open;
    if (help.open) help.scrollIntoView({ block: "nearest" });
    event.preventDefault();
  });
}

function setUpSearchShortcut() {
  // "/" focuses the search box in the top bar, as on most sites with search.
  const box = document.getElementById("topbar-q");
  if (!box) return;
  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typingIn(event.target)) return;
    event.preventDefault();
    box.focus();
    box.select();
  });
}

function setUpAnnotationForm(form) {
  let dirty = false;
  let submitting = false;
  form.addEventListener("input", () => { dirty = true; });
  form.addEventListener("change", () => { dirty = true; });
  form.addEventListener("submit", () => { submitting = true; });
  window.addEventListener("beforeunload", (event) => {
    if (dirty && !submitting) { event.preventDefault(); event.returnValue = ""; }
  });

  const verdict = form.querySelector("select[name='verdict']");
  const saveButton = form.querySelector("[data-save]");
  const submitButton = form.querySelector("[data-submit]");
  document.addEventListener("keydown", (event) => {
    const mod = event.ctrlKey || event.metaKey;
    if (mod && (event.key === "s" || event.key === "S")) {
      event.preventDefault();
      if (saveButton) form.requestSubmit(saveButton);
      return;
    }
    if (mod && event.key === "Enter") {
      event.preventDefault();
      if (submitButton) form.requestSubmit(submitButton);
      return;
    }
    if (verdict && !mod && !event.altKey && /^[1-9]$/.test(event.key) && !typingIn(event.target)) {
      const option = verdict.options[Number(event.key)];
      if (option && option.value) {
        verdict.value = option.value;
        verdict.dispatchEvent(new Event("change", { bubbles: true }));
        event.preventDefault();
      }
    }
  });

  // "Add another source" clones the last row instead of a round trip to the server.
  const addButton = form.querySelector("[data-add-source]");
  if (addButton) {
    addButton.addEventListener("click", (event) => {
      const rows = form.querySelectorAll("[data-source-row]");
      const last = rows[rows.length - 1];
      if (!last) return;
      event.preventDefault();
      const index = rows.length;
      const copy = last.cloneNode(true);
      copy.querySelectorAll("[id], [name], [for]").forEach((element) => {
        for (const attribute of ["id", "name", "for"]) {
          const value = element.getAttribute(attribute);
          if (value) element.setAttribute(attribute, value.replace(/sources-\d+-/, `sources-${index}-`));
        }
      });
      copy.querySelectorAll("input, textarea").forEach((element) => {
        if (element.type === "checkbox") element.checked = false; else element.value = "";
        element.removeAttribute("aria-invalid");
      });
      copy.querySelectorAll(".errors").forEach((element) => element.remove());
      copy.querySelectorAll("select").forEach((element) => { element.selectedIndex = element.querySelector("option[selected]") ? element.selectedIndex : 0; });
      const legend = copy.querySelector("legend");
      // The words come from the page, in the reader's language ("Fuente {n}").
      if (legend) legend.textContent = legend.dataset.numbered.replace("{n}", String(index + 1));
      last.after(copy);
      const firstInput = copy.querySelector("input");
      if (firstInput) firstInput.focus();
      dirty = true;
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setUpClaimNavigation();
  setUpShortcutHelp();
  setUpSearchShortcut();
  document.querySelectorAll("[data-annotation-form]").forEach(setUpAnnotationForm);
  const selected = document.querySelector(".article-body .claim.selected");
  if (selected) selected.scrollIntoView({ block: "center" });
});

// Upload forms: show the upload's progress, then show the server's report page.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-upload-progress]").forEach((form) => {
    const bar = form.querySelector("progress");
    form.addEventListener("submit", (event) => {
      if (!bar || !window.XMLHttpRequest) return;
      event.preventDefault();
      const request = new XMLHttpRequest();
      request.open("POST", form.action);
      bar.hidden = false;
      request.upload.addEventListener("progress", (progress) => {
        if (progress.lengthComputable) bar.value = Math.round((100 * progress.loaded) / progress.total);
      });
      request.upload.addEventListener("load", () => { bar.removeAttribute("value"); });
      request.addEventListener("load", () => {
        document.open();
        document.write(request.responseText);
        document.close();
      });
      request.addEventListener("error", () => { form.submit(); });
      request.send(new FormData(form));
    });
  });
});

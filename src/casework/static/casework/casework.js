/* Casework workspace: keyboard shortcuts, composer drafts, live updates, board
   drag and drop, lazy panels. Plain JavaScript, no build step. */
(function () {
  "use strict";
  var body = document.body;
  var me = body.dataset.user ? Number(body.dataset.user) : null;

  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function announce(text) {
    var region = document.getElementById("live-announcer");
    if (region) { region.textContent = text; }
  }

  /* --- keyboard ------------------------------------------------------------ */
  var cursor = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("[data-row]")); }
  function select(index) {
    var all = rows();
    if (!all.length) { return; }
    cursor = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) { row.classList.toggle("selected", i === cursor); });
    all[cursor].scrollIntoView({ block: "nearest" });
    var link = all[cursor].querySelector("a");
    if (link) { link.focus({ preventScroll: true }); }
  }
  function composeAs(mode) {
    var radio = document.getElementById("mode-" + mode);
    var text = document.getElementById("composer-text");
    if (!radio || !text) { return false; }
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    text.focus();
    return true;
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    var key = event.key;
    var handled = true;
    if (key === "j") { select(cursor + 1); }
    else if (key === "k") { select(cursor - 1); }
    else if (key === "o" || (key === "Enter" && cursor >= 0 && !event.target.closest("a,button"))) {
      var row = rows()[cursor];
      if (row && row.dataset.href) { window.location.href = row.dataset.href; } else { handled = false; }
    }
    else if (key === "r") { handled = composeAs("reply"); }
    else if (key === "n") { handled = composeAs("note"); }
    else if (key === "a") {
      var assign = document.querySelector("[data-assign-me]");
      if (assign) { assign.click(); } else { handled = false; }
    }
    else if (key === "/") {
      var search = document.getElementById("global-search");
      if (search) { search.focus(); search.select(); } else { handled = false; }
    }
    else if (key === "?") { showShortcuts(); }
    else { handled = false; }
    if (handled) { event.preventDefault(); }
  });
  function showShortcuts() {
    var dialog = document.getElementById("shortcuts");
    if (dialog && !dialog.open) { dialog.showModal(); }
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-show-shortcuts]")) { showShortcuts(); }
  });

  /* --- composer: mode switch and drafts -------------------------------------- */
  var composer = document.getElementById("composer");
  var text = document.getElementById("composer-text");
  function draftKey() { return "casework:draft:" + text.dataset.draftKey; }
  function currentMode() {
    var checked = composer.querySelector("input[name=mode]:checked");
    return checked ? checked.value : "reply";
  }
  function showMode() {
    var button = composer.querySelector("button[type=submit]");
    var mode = currentMode();
    button.textContent = mode === "note" ? button.dataset.sendLabelNote : button.dataset.sendLabelReply;
    composer.classList.toggle("composing-note", mode === "note");
  }
  function saveDraft() {
    var status = composer.querySelector("[data-draft-status]");
    try {
      if (text.value.trim()) {
        localStorage.setItem(draftKey(), JSON.stringify({ text: text.value, mode: currentMode(), at: Date.now() }));
        if (status) { status.textContent = "Draft saved"; }
      } else {
        localStorage.removeItem(draftKey());
        if (status) { status.textContent = ""; }
      }
    } catch (e) { /* storage full or disabled: typing still works */ }
  }
  function restoreDraft(force) {
    var raw = null;
    try { raw = localStorage.getItem(draftKey()); } catch (e) { return; }
    if (!raw) { if (force && document.activeElement !== text) { text.value = ""; } return; }
    var draft = JSON.parse(raw);
    if (force || !text.value) {
      text.value = draft.text || "";
      var radio = document.getElementById("mode-" + (draft.mode || "reply"));
      if (radio) { radio.checked = true; }
      showMode();
      var status = composer.querySelector("[data-draft-status]");
      if (status) { status.textContent = "Draft restored"; }
    }
  }
  if (composer && text) {
    var timer = null;
    text.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(saveDraft, 150);
    });
    composer.addEventListener("change", function (event) {
      if (event.target.name === "mode") { showMode(); saveDraft(); }
    });
    window.addEventListener("storage", function (event) {
      if (event.key === draftKey() && document.activeElement !== text) { restoreDraft(true); }
    });
    window.addEventListener("pagehide", saveDraft);
    restoreDraft(false);
    showMode();
    body.addEventListener("composer-sent", function () {
      try { localStorage.removeItem(draftKey()); } catch (e) { /* ignore */ }
      text.value = "";
      composer.reset();
      showMode();
      var status = composer.querySelector("[data-draft-status]");
      if (status) { status.textContent = "Sent"; }
      var error = document.getElementById("composer-error");
      if (error) { error.textContent = ""; error.className = ""; }
    });
  }

  /* --- lazy panels from other areas: hidden unless they answer with content --- */
  body.addEventListener("htmx:afterRequest", function (event) {
    var el = event.detail.elt;
    if (!el || !el.dataset || !el.dataset.panel) { return; }
    var xhr = event.detail.xhr;
    el.hidden = !(event.detail.successful && xhr && xhr.responseText.trim());
  });

  /* --- board: drag a card onto a column --------------------------------------- */
  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".card[data-number]");
    if (!card) { return; }
    event.dataTransfer.setData("text/plain", card.dataset.number + " " + card.dataset.version);
    event.dataTransfer.effectAllowed = "move";
  });
  document.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest("[data-drop-status]");
    if (column) { event.preventDefault(); column.classList.add("drop-here"); }
  });
  document.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest("[data-drop-status]");
    if (column) { column.classList.remove("drop-here"); }
  });
  document.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest("[data-drop-status]");
    if (!column) { return; }
    event.preventDefault();
    column.classList.remove("drop-here");
    var parts = event.dataTransfer.getData("text/plain").split(" ");
    if (!parts[0]) { return; }
    htmx.ajax("POST", "/cases/" + encodeURIComponent(parts[0]) + "/status", {
      target: "#board-error", swap: "outerHTML",
      values: { status: column.dataset.dropStatus, version: parts[1] || "" }
    });
  });

  /* --- bulk selection -------------------------------------------------------- */
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("#bulk-form");
    if (!form) { return; }
    if (event.target.matches("[data-select-all]")) {
      form.querySelectorAll("input[name=case]").forEach(function (box) { box.checked = event.target.checked; });
    }
    var count = form.querySelectorAll("input[name=case]:checked").length;
    var label = form.querySelector("[data-selected-count]");
    if (label) { label.textContent = count ? count + " selected" : ""; }
  });

  /* --- live updates (server-sent events) ---------------------------------------- */
  if (me === null || !window.EventSource) { return; }
  var page = document.querySelector("[data-case]");
  var refreshTimer = null;
  function refreshLists() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      if (document.querySelector("#bulk-form input[name=case]:checked")) { return; }
      body.dispatchEvent(new Event("cw:refresh-list"));
    }, 250);
  }
  function refreshCase(number, who) {
    htmx.ajax("GET", "/cases/" + encodeURIComponent(number) + "/timeline", { target: "#timeline", swap: "outerHTML" });
    htmx.ajax("GET", "/cases/" + encodeURIComponent(number) + "/header", { target: "#case-header", swap: "outerHTML" });
    var notice = document.getElementById("live-notice");
    if (notice && who) {
      notice.textContent = who + " updated this case just now.";
      notice.hidden = false;
    }
    if (who) { announce(who + " updated " + number); }
  }
  var source = new EventSource("/events/stream");
  var dot = document.getElementById("live-status");
  source.addEventListener("ready", function () {
    body.dataset.live = "on";
    if (dot) { dot.classList.add("on"); dot.title = "Live updates on"; }
  });
  source.addEventListener("error", function () {
    body.dataset.live = "off";
    if (dot) { dot.classList.remove("on"); dot.title = "Live updates reconnecting"; }
  });
  source.addEventListener("case", function (message) {
    var event = JSON.parse(message.data);
    if (page) {
      var header = document.getElementById("case-header");
      var shown = header ? Number(header.dataset.version || 0) : 0;
      // Someone else's change, or our own from another tab (a version this tab has not shown).
      if (event.number === page.dataset.case && (event.actor_user_id !== me || event.version > shown)) {
        refreshCase(event.number, event.actor_user_id !== me ? event.actor : null);
      }
    } else {
      refreshLists();
    }
  });
})();

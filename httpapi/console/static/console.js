// ticketd console: keyboard shortcuts and live updates. Plain JavaScript, no
// build step, loaded from this server only (the CSP forbids anything else).
"use strict";

(function () {
  // ---- keyboard ------------------------------------------------------------
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-row]")); }
  var current = -1;
  function select(i) {
    var rs = rows();
    if (!rs.length) return;
    i = Math.max(0, Math.min(rs.length - 1, i));
    rs.forEach(function (r) { r.classList.remove("selected"); });
    current = i;
    rs[i].classList.add("selected");
    var link = rs[i].querySelector("a");
    if (link) link.focus();
  }
  function focus(id) {
    var el = document.getElementById(id);
    if (el) { el.focus(); return true; }
    return false;
  }
  function help() {
    var d = document.getElementById("help");
    if (d && !d.open) d.showModal();
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === "Escape" && typing(document.activeElement)) { document.activeElement.blur(); return; }
    if (typing(ev.target)) return;
    var handled = true;
    switch (ev.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "Enter":
        var rs = rows();
        if (current >= 0 && rs[current] && document.activeElement === document.body) {
          rs[current].querySelector("a").click();
        } else handled = false;
        break;
      case "/": handled = focus("search-box"); break;
      case "r": handled = focus("reply"); break;
      case "n": handled = focus("note"); break;
      case "a": handled = focus("assignee"); break;
      case "e":
        var solve = document.getElementById("solve");
        if (solve) solve.click(); else handled = false;
        break;
      case "?": help(); break;
      default: handled = false;
    }
    if (handled) {
      ev.preventDefault();
      // The key's character must not land in the box it just focused
      // (some input paths deliver it as a separate keypress).
      swallow = true;
    }
  });
  var swallow = false;
  document.addEventListener("keypress", function (ev) {
    if (swallow) { ev.preventDefault(); swallow = false; }
  }, true);
  document.addEventListener("keyup", function () { swallow = false; });
  document.addEventListener("click", function (ev) {
    if (ev.target.closest && ev.target.closest("[data-help]")) help();
  });

  // ---- live updates ----------------------------------------------------------
  // The page names its event stream (server-sent events of the event log,
  // from the moment the page was drawn) and, on a ticket page, its ticket.
  // An event that concerns the page makes it fetch itself again and swap
  // its #live part in place, leaving what the agent is typing untouched.
  // EventSource reconnects by itself, resuming after the last event id it
  // got; a hidden tab closes its stream (a browser holds few connections
  // per host) and reopens it from that id when shown again. A stream that
  // fails for good (a 401 once the session ended) is retried slowly.
  var main = document.getElementById("main");
  var stream = main && main.getAttribute("data-live");
  if (!stream || !window.EventSource) return;
  var ticket = main.getAttribute("data-ticket");
  // A list redraws at most once a second however busy the workspace is;
  // the open ticket at once.
  var gap = ticket ? 0 : 1000;
  var source = null, lastID = null, timer = null, busy = false, again = false, drawn = 0;
  function say(text) {
    var st = document.getElementById("live-status");
    if (st) st.textContent = text;
  }
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    drawn = Date.now();
    fetch(location.href, { credentials: "same-origin", cache: "no-store" }).then(function (res) {
      if (!res.ok) return;
      return res.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("live"), old = document.getElementById("live");
        if (fresh && old) {
          old.replaceWith(fresh);
          current = -1;
          say("Updated");
        }
        // The counts of the views follow too.
        var nav = doc.querySelector("nav[aria-label=Views]"), oldNav = document.querySelector("nav[aria-label=Views]");
        if (nav && oldNav) oldNav.replaceWith(nav);
      });
    }).catch(function () {}).then(function () {
      busy = false;
      if (again) { again = false; schedule(); }
    });
  }
  function schedule() {
    if (timer) return;
    timer = setTimeout(function () { timer = null; refresh(); }, Math.max(100, drawn + gap - Date.now()));
  }
  function connect() {
    var url = lastID ? stream.replace(/after=\d+/, "after=" + encodeURIComponent(lastID)) : stream;
    source = new EventSource(url);
    source.addEventListener("ticket", function (ev) {
      lastID = ev.lastEventId || lastID;
      var data;
      try { data = JSON.parse(ev.data); } catch (e) { return; }
      if (!ticket || data.ticket_id === ticket) schedule();
    });
    source.addEventListener("resync", function (ev) {
      lastID = ev.lastEventId || lastID;
      schedule();
    });
    source.addEventListener("error", function () {
      if (source && source.readyState === EventSource.CLOSED) {
        source = null;
        say("Live updates paused");
        setTimeout(function () { if (!source && !document.hidden) connect(); }, 10000);
      }
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      if (source) { source.close(); source = null; }
    } else if (!source) {
      connect();
    }
  });
  if (!document.hidden) connect();
})();

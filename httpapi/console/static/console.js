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
  // The page names an endpoint that answers a version token; when it
  // changes, the page's #live part is fetched again and swapped in place,
  // leaving what the agent is typing untouched. One function, so the
  // transport (polling now) can become the event stream without touching
  // the rest.
  var main = document.getElementById("main");
  var url = main && main.getAttribute("data-poll");
  if (!url) return;
  var version = main.getAttribute("data-version");
  var busy = false;
  function refresh() {
    return fetch(location.href, { credentials: "same-origin" }).then(function (res) {
      if (!res.ok) return;
      return res.text().then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("live"), old = document.getElementById("live");
        var m = doc.getElementById("main");
        if (fresh && old) {
          old.replaceWith(fresh);
          current = -1;
          var st = document.getElementById("live-status");
          if (st) st.textContent = "Updated";
        }
        if (m) version = m.getAttribute("data-version");
      });
    });
  }
  function tick() {
    if (busy || document.hidden) return;
    busy = true;
    fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (res) {
      return res.ok ? res.json() : null;
    }).then(function (body) {
      if (body && body.version !== version) {
        version = body.version;
        return refresh();
      }
    }).catch(function () {}).then(function () { busy = false; });
  }
  setInterval(tick, 1000);
})();

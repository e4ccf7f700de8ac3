// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";

  // "Show password" checkbox (seed 000).
  document.querySelectorAll("[data-toggles-password]").forEach(function (box) {
    var input = document.getElementById(box.getAttribute("data-toggles-password"));
    if (!input) return;
    box.addEventListener("change", function () { input.type = box.checked ? "text" : "password"; });
  });

  // Move focus to the error summary so screen readers announce it.
  var summary = document.querySelector("[data-focus]");
  if (summary) summary.focus();

  // Idle-timeout warning (SECURITY.md S3): the server signs people out after 20 idle minutes;
  // warn two minutes before, and let them stay signed in.
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle-timeout") || "0", 10);
  var warnBefore = parseInt(body.getAttribute("data-idle-warning") || "0", 10);
  if (!idle || !warnBefore) return;
  var dialog = document.getElementById("idle-warning");
  var countdown = document.getElementById("idle-countdown");
  var stay = document.getElementById("idle-stay");
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var lastActivity = Date.now();
  var timer = null;

  function schedule() {
    if (timer) clearInterval(timer);
    timer = setInterval(tick, 1000);
  }
  function tick() {
    var idleFor = (Date.now() - lastActivity) / 1000;
    var left = Math.ceil(idle - idleFor);
    if (left <= 0) { window.location.href = "/login?timeout=1"; return; }
    if (left <= warnBefore && dialog && !dialog.open) {
      if (dialog.showModal) dialog.showModal(); else dialog.setAttribute("open", "");
    }
    if (countdown && dialog && dialog.open) {
      var m = Math.floor(left / 60), s = left % 60;
      countdown.textContent = m > 0 ? m + " minute" + (m > 1 ? "s " : " ") + s + " seconds" : s + " seconds";
    }
  }
  if (stay) {
    stay.addEventListener("click", function () {
      fetch("/session/keepalive", {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": tokenMeta ? tokenMeta.content : "" }
      }).then(function (r) {
        if (r.ok) { lastActivity = Date.now(); if (dialog.close) dialog.close(); else dialog.removeAttribute("open"); }
        else { window.location.href = "/login?timeout=1"; }
      });
    });
  }
  schedule();
})();

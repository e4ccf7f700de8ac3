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
  // Autosaves reach the server, so they count as activity too.
  window.addEventListener("induct:activity", function () { lastActivity = Date.now(); });

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

// Report forms save as people type (issue 6: "nothing typed is ever lost"). Each change is kept
// on this device at once and sent to the server after a short pause; what the server has not
// confirmed stays on the device and is put back when the page is next opened, even after the
// session has expired and the person has logged in again.
(function () {
  "use strict";
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var token = tokenMeta ? tokenMeta.content : "";
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var url = form.getAttribute("data-autosave");
    var key = "induct-draft:" + form.getAttribute("data-autosave-key");
    var status = document.querySelector("[data-autosave-status]");
    var pending = {};
    var timer = null;
    var inFlight = false;

    function say(text) { if (status) status.textContent = text; }
    function readLocal() {
      try { return JSON.parse(window.localStorage.getItem(key) || "{}"); } catch (e) { return {}; }
    }
    function writeLocal(draft) {
      try {
        if (Object.keys(draft).length) window.localStorage.setItem(key, JSON.stringify(draft));
        else window.localStorage.removeItem(key);
      } catch (e) { /* storage full or disabled: the server copy still counts */ }
    }
    function fields(name) {
      return Array.prototype.filter.call(form.elements, function (el) { return el.name === name; });
    }
    function valueOf(name) {
      var els = fields(name);
      if (!els.length) return null;
      var first = els[0];
      if (first.type === "checkbox" || first.type === "radio") {
        return els.filter(function (e) { return e.checked; }).map(function (e) { return e.value; });
      }
      return [first.value];
    }
    function setValue(name, values) {
      fields(name).forEach(function (el) {
        if (el.type === "checkbox" || el.type === "radio") el.checked = values.indexOf(el.value) >= 0;
        else el.value = values[0] || "";
      });
    }
    function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }
    function body(values, withToken) {
      var p = new URLSearchParams();
      if (withToken) p.append("csrf_token", token);
      Object.keys(values).forEach(function (name) {
        var v = values[name];
        if (!v.length) p.append(name, "");
        v.forEach(function (one) { p.append(name, one); });
      });
      return p.toString();
    }
    function save() {
      timer = null;
      if (inFlight) { schedule(); return; }
      var sent = pending;
      if (!Object.keys(sent).length) return;
      pending = {};
      inFlight = true;
      say("Saving…");
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        headers: { "X-CSRF-Token": token, "Content-Type": "application/x-www-form-urlencoded" },
        body: body(sent, false)
      }).then(function (r) {
        inFlight = false;
        if (r.ok) {
          return r.json().then(function (j) {
            var draft = readLocal();
            Object.keys(sent).forEach(function (n) { if (same(draft[n], sent[n])) delete draft[n]; });
            writeLocal(draft);
            window.dispatchEvent(new Event("induct:activity"));
            say("Saved at " + j.saved_at + (j.signatures_cleared ? ". The report had been signed: it needs signing again." : "."));
          });
        }
        Object.keys(sent).forEach(function (n) { if (!(n in pending)) pending[n] = sent[n]; });
        if (r.type === "opaqueredirect" || r.status === 401 || r.status === 303) {
          say("Not saved: your session has ended. What you typed is kept on this device: log in again and open this page to carry on.");
        } else {
          return r.json().then(function (j) { say("Not saved: " + (j.error || "please try again.")); },
            function () { say("Not saved: please try again. What you typed is kept on this device."); });
        }
      }, function () {
        inFlight = false;
        Object.keys(sent).forEach(function (n) { if (!(n in pending)) pending[n] = sent[n]; });
        say("Not saved: no connection. What you typed is kept on this device and will be saved when you are back online.");
        schedule();
      });
    }
    function schedule() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(save, 1200);
    }
    function changed(ev) {
      var name = ev.target && ev.target.name;
      if (!name || name === "csrf_token") return;
      var v = valueOf(name);
      if (v === null) return;
      pending[name] = v;
      var draft = readLocal();
      draft[name] = v;
      writeLocal(draft);
      schedule();
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    // Leaving the page: send what is left without waiting (the device copy stays until confirmed).
    window.addEventListener("pagehide", function () {
      if (!Object.keys(pending).length || !navigator.sendBeacon) return;
      navigator.sendBeacon(url, new Blob([body(pending, true)], { type: "application/x-www-form-urlencoded" }));
    });
    // Put back what the server never confirmed.
    var draft = readLocal();
    var restored = 0;
    Object.keys(draft).forEach(function (name) {
      var now = valueOf(name);
      if (now === null) { delete draft[name]; return; }
      if (same(now, draft[name])) { delete draft[name]; return; }
      setValue(name, draft[name]);
      pending[name] = draft[name];
      restored += 1;
    });
    writeLocal(draft);
    if (restored) {
      say("Restored what you typed earlier on this device; saving it now.");
      schedule();
    }
  });
})();

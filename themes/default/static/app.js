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

  // Idle-timeout warning (docs/security.md S3): the server signs people out after 20 idle minutes;
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
// on this device at once (keyed by the user, the report and its version) and sent to the server
// after a short pause; what the server has not confirmed stays on the device and is put back when
// the page is next opened, even after the session has expired and the person has logged in again.
// A draft made on an older version of the report is offered, not applied, so stale text never
// silently replaces newer text (or clears signatures). Logging out saves first, then forgets.
(function () {
  "use strict";
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var token = tokenMeta ? tokenMeta.content : "";
  var PREFIX = "induct-draft:";
  var flushers = [];

  document.querySelectorAll('form[action="/logout"]').forEach(function (logout) {
    logout.addEventListener("submit", function (ev) {
      if (logout.getAttribute("data-flushed")) return;
      ev.preventDefault();
      Promise.all(flushers.map(function (f) { return f(); })).then(function (results) {
        // Forget this device's drafts only if everything reached the server.
        if (results.every(function (ok) { return ok; })) {
          try {
            Object.keys(window.localStorage).forEach(function (k) { if (k.indexOf(PREFIX) === 0) window.localStorage.removeItem(k); });
          } catch (e) { /* nothing stored */ }
        }
        logout.setAttribute("data-flushed", "1");
        logout.submit();
      });
    });
  });

  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var url = form.getAttribute("data-autosave");
    var key = PREFIX + form.getAttribute("data-autosave-key");
    var version = form.getAttribute("data-autosave-version") || "";
    var status = document.querySelector("[data-autosave-status]");
    var pending = {};
    var timer = null;
    var inFlight = null;

    function say(text) { if (status) status.textContent = text; }
    function readLocal() {
      try {
        var d = JSON.parse(window.localStorage.getItem(key) || "null");
        return d && d.fields ? d : { version: version, fields: {} };
      } catch (e) { return { version: version, fields: {} }; }
    }
    function writeLocal(draft) {
      try {
        if (Object.keys(draft.fields).length) window.localStorage.setItem(key, JSON.stringify(draft));
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
    function requeue(sent) {
      Object.keys(sent).forEach(function (n) { if (!(n in pending)) pending[n] = sent[n]; });
    }
    // Sends what is pending; resolves true when the server has it all.
    function save() {
      if (timer) { clearTimeout(timer); timer = null; }
      if (inFlight) return inFlight.then(save);
      var sent = pending;
      if (!Object.keys(sent).length) return Promise.resolve(true);
      pending = {};
      say("Saving…");
      inFlight = fetch(url, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        headers: { "X-CSRF-Token": token, "Content-Type": "application/x-www-form-urlencoded" },
        body: body(sent, false)
      }).then(function (r) {
        if (r.ok) {
          return r.json().then(function (j) {
            var draft = readLocal();
            Object.keys(sent).forEach(function (n) { if (same(draft.fields[n], sent[n])) delete draft.fields[n]; });
            version = String(j.version);
            draft.version = version;
            writeLocal(draft);
            window.dispatchEvent(new Event("induct:activity"));
            say("Saved at " + j.saved_at + (j.signatures_cleared ? ". The report had been signed: it needs signing again." : "."));
            return true;
          });
        }
        requeue(sent);
        if (r.type === "opaqueredirect" || r.status === 401 || r.status === 303) {
          say("Not saved: your session has ended. What you typed is kept on this device: log in again and open this page to carry on.");
        } else if (r.status >= 500) {
          say("Not saved just now: trying again shortly. What you typed is kept on this device.");
          timer = setTimeout(save, 10000);
        } else {
          return r.json().then(function (j) { say("Not saved: " + (j.error || "please try again.")); return false; },
            function () { say("Not saved: please try again. What you typed is kept on this device."); return false; });
        }
        return false;
      }, function () {
        requeue(sent);
        say("Not saved: no connection. What you typed is kept on this device and will be saved when you are back online.");
        timer = setTimeout(save, 10000);
        return false;
      }).then(function (ok) { inFlight = null; return ok; });
      return inFlight;
    }
    function schedule() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(save, 1200);
    }
    function changed(ev) {
      var name = ev.target && ev.target.name;
      if (!name || name === "csrf_token" || name === "next" || name === "section") return;
      var v = valueOf(name);
      if (v === null) return;
      pending[name] = v;
      var draft = readLocal();
      draft.fields[name] = v;
      draft.version = version;
      writeLocal(draft);
      schedule();
    }
    flushers.push(save);
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    window.addEventListener("online", function () { if (Object.keys(pending).length) save(); });
    // Leaving the page: send what is left without waiting (the device copy stays until confirmed).
    window.addEventListener("pagehide", function () {
      if (!Object.keys(pending).length || !navigator.sendBeacon) return;
      navigator.sendBeacon(url, new Blob([body(pending, true)], { type: "application/x-www-form-urlencoded" }));
    });

    // What the server never confirmed.
    var draft = readLocal();
    var differing = Object.keys(draft.fields).filter(function (name) {
      var now = valueOf(name);
      return now !== null && !same(now, draft.fields[name]);
    });
    if (!differing.length) { draft.fields = {}; writeLocal(draft); return; }
    function restore() {
      differing.forEach(function (name) { setValue(name, draft.fields[name]); pending[name] = draft.fields[name]; });
      say("Restored what you typed earlier on this device; saving it now.");
      schedule();
    }
    if (draft.version === version) {
      restore();
    } else {
      // The report changed since: offer the text rather than overwrite.
      say("You have text typed earlier on this device that was not saved, and the report has changed since.");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button-secondary";
      button.textContent = "Put back what I typed earlier";
      button.addEventListener("click", function () { button.remove(); draft.version = version; restore(); });
      if (status) status.appendChild(document.createTextNode(" ")), status.appendChild(button);
    }
  });
})();

/* Hearth chat widget. Embed with one tag:
 *   <script src="https://HOST/chat/widget.js" data-entry-point="chat" async></script>
 * No third-party code. Speaks the frames of /chat/ws (hello, message, typing, end;
 * welcome, message, typing, ended, error) and keeps the resume token in
 * sessionStorage, so a reload or a dropped connection rejoins the same chat. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__hearthChat) { return; }
  window.__hearthChat = true;
  var entryPoint = script.getAttribute("data-entry-point") || "chat";
  var origin = new URL(script.src, location.href).origin;
  var wsUrl = origin.replace(/^http/, "ws") + "/chat/ws?entryPoint=" + encodeURIComponent(entryPoint);
  var configUrl = origin + "/chat/config?entryPoint=" + encodeURIComponent(entryPoint);
  var storeKey = "hearth-chat:" + origin + ":" + entryPoint;

  var css = [
    ":host{all:initial}","[hidden]{display:none!important}",
    "*{box-sizing:border-box;font:15px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif}",
    ".launch{position:fixed;right:16px;bottom:16px;width:56px;height:56px;border-radius:50%;border:0;",
    "background:#1f6feb;color:#fff;cursor:pointer;box-shadow:0 2px 10px rgba(0,0,0,.25);z-index:2147483000;display:flex;align-items:center;justify-content:center}",
    ".launch:focus-visible,button:focus-visible,textarea:focus-visible{outline:3px solid #f0b400;outline-offset:2px}",
    ".badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;border-radius:10px;background:#cf222e;",
    "color:#fff;font-size:12px;line-height:20px;text-align:center;padding:0 5px}",
    ".panel{position:fixed;right:16px;bottom:84px;width:min(360px,calc(100vw - 16px));height:min(520px,calc(100vh - 100px));",
    "display:flex;flex-direction:column;background:#fff;color:#1f2328;border:1px solid #d0d7de;border-radius:12px;",
    "box-shadow:0 8px 30px rgba(0,0,0,.2);z-index:2147483000;overflow:hidden}",
    "@media (max-width:400px){.panel{right:8px;left:8px;width:auto;bottom:80px}}",
    ".panel[hidden]{display:none}",
    "header{display:flex;align-items:center;justify-content:space-between;padding:10px 12px;background:#1f6feb;color:#fff}",
    "header h2{margin:0;font-size:16px;font-weight:600}",
    "header button{background:transparent;border:0;color:#fff;font-size:20px;cursor:pointer}",
    "header .sound{font-size:12px;border:1px solid rgba(255,255,255,.6);border-radius:10px;padding:1px 8px;margin-left:auto;margin-right:8px}",
    ".log{flex:1;overflow-y:auto;padding:10px;display:flex;flex-direction:column;gap:6px}",
    ".msg{max-width:80%;padding:7px 10px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word}",
    ".msg.customer{align-self:flex-end;background:#1f6feb;color:#fff}",
    ".msg.agent{align-self:flex-start;background:#eef1f4}",
    ".msg.system,.note{align-self:center;color:#656d76;font-size:13px;text-align:center}",
    ".who{display:block;font-size:12px;color:#656d76;margin-bottom:2px}",
    ".typing{padding:0 12px 4px;color:#656d76;font-size:13px;min-height:18px}",
    "form{display:flex;gap:6px;padding:8px;border-top:1px solid #d0d7de}",
    "textarea{flex:1;resize:none;height:42px;padding:8px;border:1px solid #d0d7de;border-radius:8px;background:inherit;color:inherit}",
    "form button,.again{border:0;border-radius:8px;background:#1f6feb;color:#fff;padding:0 14px;cursor:pointer}",
    ".again{margin:8px auto;padding:8px 14px}",
    ".pre{display:flex;flex-direction:column;gap:8px;padding:4px}.pre label{display:flex;flex-direction:column;gap:3px;font-size:13px}",
    ".pre input{padding:8px;border:1px solid #d0d7de;border-radius:8px;background:inherit;color:inherit}",
    ".pre button{border:0;border-radius:8px;background:#1f6feb;color:#fff;padding:8px;cursor:pointer}",
    "@media (prefers-color-scheme:dark){.panel{background:#0d1117;color:#e6edf3;border-color:#30363d}",
    ".msg.agent{background:#21262d}form{border-color:#30363d}textarea{border-color:#30363d}",
    ".who,.typing,.msg.system,.note{color:#8b949e}.suggest{border-color:#30363d}.suggest a{color:#58a6ff}}",
    ".suggest{padding:6px 12px;border-top:1px solid #d0d7de;font-size:13px}.suggest p{margin:0 0 2px}",
    ".suggest a{display:block;color:#0969da;padding:2px 0}"
  ].join("");

  var host = document.createElement("div");
  host.setAttribute("data-hearth-chat", "");
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>" + css + "</style>" +
    "<button class='launch' type='button' aria-label='Open chat' aria-expanded='false'><svg viewBox='0 0 24 24' width='26' height='26' aria-hidden='true'><path fill='currentColor' d='M4 4h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z'/></svg><span class='badge' hidden>0</span></button>" +
    "<section class='panel' role='dialog' aria-label='Chat' hidden>" +
    "<header><h2>Chat with us</h2><button type='button' class='sound' aria-pressed='false'>Sound off</button>" +
    "<button type='button' class='close' aria-label='Close chat'>×</button></header>" +
    "<div class='log' role='log' aria-live='polite'></div>" +
    "<div class='typing' aria-live='polite'></div>" +
    "<div class='suggest' aria-live='polite' hidden></div>" +
    "<form><label hidden for='hearth-text'>Message</label>" +
    "<textarea id='hearth-text' placeholder='Write a message…' maxlength='2048'></textarea>" +
    "<button type='submit'>Send</button></form></section>";
  (document.body || document.documentElement).appendChild(host);

  var $ = function (s) { return root.querySelector(s); };
  var launch = $(".launch"), badge = $(".badge"), panel = $(".panel"), log = $(".log"),
      typing = $(".typing"), form = $("form"), text = $("textarea");
  var soundButton = $(".sound"), soundKey = "hearth-chat-sound", soundOn = false, audio = null;
  try { soundOn = localStorage.getItem(soundKey) === "on"; } catch (e) { /* storage off */ }
  function showSound() {
    soundButton.textContent = soundOn ? "Sound on" : "Sound off";
    soundButton.setAttribute("aria-pressed", String(soundOn));
  }
  showSound();
  soundButton.onclick = function () {
    soundOn = !soundOn;
    try { localStorage.setItem(soundKey, soundOn ? "on" : "off"); } catch (e) { /* storage off */ }
    showSound();
  };
  /* A short, soft tone when an agent writes and the customer is not looking. */
  function chime() {
    if (!soundOn || (open && !document.hidden)) { return; }
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tone = audio.createOscillator(), gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.08, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.3);
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.3);
    } catch (e) { /* no audio */ }
  }

  var socket = null, open = false, unread = 0, ended = false, shown = {}, pending = [],
      retry = 1000, lastTyping = 0, typingTimer = null, customer = null, asked = false;

  function setUnread(n) {
    unread = n;
    badge.textContent = String(n);
    badge.hidden = n === 0;
    launch.setAttribute("aria-label", n ? "Open chat, " + n + " unread" : "Open chat");
  }

  function show(line, live) {
    if (shown[line.id]) { return; }
    shown[line.id] = true;
    var div = document.createElement("div");
    div.className = "msg " + line.from;
    if (line.from === "agent" && line.agentName) {
      var who = document.createElement("span");
      who.className = "who";
      who.textContent = line.agentName;
      div.appendChild(who);
    }
    div.appendChild(document.createTextNode(line.content));
    var at = new Date(line.at);
    if (!isNaN(at)) { div.title = at.toLocaleString(); }
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    if (line.from === "agent" && live) {
      typing.textContent = "";
      if (!open) { setUnread(unread + 1); }
      chime();
    }
  }

  function note(words) {
    var p = document.createElement("p");
    p.className = "note";
    p.textContent = words;
    log.appendChild(p);
    log.scrollTop = log.scrollHeight;
  }

  function send(frame) {
    if (socket && socket.readyState === 1) { socket.send(JSON.stringify(frame)); return true; }
    return false;
  }

  function connect() {
    var resume = null;
    try { resume = sessionStorage.getItem(storeKey); } catch (e) { /* storage off */ }
    socket = new WebSocket(wsUrl);
    socket.onopen = function () {
      retry = 1000;
      var hello = { type: "hello" };
      if (resume) { hello.resume = resume; } else if (customer) { hello.customer = customer; }
      send(hello);
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type === "welcome") {
        try { sessionStorage.setItem(storeKey, frame.resume); } catch (e) { /* storage off */ }
        (frame.history || []).forEach(function (line) { show(line, false); });
        var waiting = pending; pending = [];
        waiting.forEach(send);
      } else if (frame.type === "message") {
        show(frame, true);
      } else if (frame.type === "typing") {
        typing.textContent = "Typing…";
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { typing.textContent = ""; }, 6000);
      } else if (frame.type === "ended") {
        finish(frame.by);
      } else if (frame.type === "error") {
        if (frame.code === "resume_invalid") {
          try { sessionStorage.removeItem(storeKey); } catch (e) { /* storage off */ }
        } else {
          note(frame.detail || "Something went wrong.");
        }
      }
    };
    socket.onclose = function () {
      socket = null;
      if (!ended) {
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 30000);
      }
    };
  }

  function finish(by) {
    ended = true;
    try { sessionStorage.removeItem(storeKey); } catch (e) { /* storage off */ }
    typing.textContent = "";
    note(by === "customer" ? "You ended the chat." : "Chat ended.");
    form.hidden = true;
    var again = document.createElement("button");
    again.className = "again";
    again.type = "button";
    again.textContent = "Start a new chat";
    again.onclick = function () {
      again.remove();
      log.textContent = "";
      shown = {};
      ended = false;
      form.hidden = false;
      asked = false;
      customer = null;
      start();
      text.focus();
    };
    log.appendChild(again);
  }

  /* The pre-chat form, when the entry point has one: asked once per chat. */
  function start() {
    var resume = null;
    try { resume = sessionStorage.getItem(storeKey); } catch (e) { /* storage off */ }
    if (resume || asked) { connect(); return; }
    asked = true;
    fetch(configUrl).then(function (r) { return r.ok ? r.json() : {}; }).then(function (config) {
      var pre = config && config.preChat;
      if (!pre || (pre.name === "OFF" && pre.email === "OFF")) { connect(); return; }
      var box = document.createElement("form");
      box.className = "pre";
      var fields = [];
      [["name", "Your name", "text"], ["email", "Your email", "email"]].forEach(function (f) {
        var rule = pre[f[0]];
        if (rule === "OFF") { return; }
        var label = document.createElement("label");
        label.textContent = f[1] + (rule === "REQUIRED" ? "" : " (optional)");
        var input = document.createElement("input");
        input.type = f[2];
        input.name = f[0];
        input.required = rule === "REQUIRED";
        label.appendChild(input);
        box.appendChild(label);
        fields.push(input);
      });
      var go = document.createElement("button");
      go.type = "submit";
      go.textContent = "Start chat";
      box.appendChild(go);
      form.hidden = true;
      log.appendChild(box);
      if (fields[0]) { fields[0].focus(); }
      box.onsubmit = function (event) {
        event.preventDefault();
        customer = {};
        fields.forEach(function (input) {
          var v = input.value.trim();
          if (v) { customer[input.name === "email" ? "emailAddress" : "name"] = v; }
        });
        box.remove();
        form.hidden = false;
        text.focus();
        connect();
      };
    }, function () { connect(); });
  }

  function toggle(want) {
    open = want;
    panel.hidden = !open;
    launch.setAttribute("aria-expanded", String(open));
    if (open) {
      setUnread(0);
      if (!socket && !ended) { start(); }
      if (!form.hidden) { text.focus(); }
    } else {
      launch.focus();
    }
  }

  /* Before the first message: public answers that match what the customer is
     typing, from the help center (the public answer search answers any page). */
  var suggest = $(".suggest"), suggestTimer = null, asked_for = 0;
  function suggestAnswers() {
    clearTimeout(suggestTimer);
    var q = text.value.trim();
    if (counter > 0 || log.querySelector(".msg") || q.length < 3) { suggest.hidden = true; return; }
    suggestTimer = setTimeout(function () {
      var mine = ++asked_for;
      fetch(origin + "/api/v1/orgs/hearth/answers-search?q=" + encodeURIComponent(q))
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (list) {
          if (mine !== asked_for || counter > 0) { return; }
          suggest.replaceChildren();
          if (!list.length) { suggest.hidden = true; return; }
          var title = document.createElement("p");
          title.textContent = "These answers may help:";
          suggest.appendChild(title);
          list.slice(0, 3).forEach(function (a) {
            var link = document.createElement("a");
            link.href = origin + "/help/answer/" + encodeURIComponent(a.id);
            link.target = "_blank";
            link.rel = "noopener";
            link.textContent = a.name;
            suggest.appendChild(link);
          });
          suggest.hidden = false;
        }, function () { suggest.hidden = true; });
    }, 300);
  }
  text.addEventListener("input", suggestAnswers);

  var counter = 0;
  form.onsubmit = function (event) {
    event.preventDefault();
    var content = text.value.trim();
    if (!content || ended) { return; }
    clearTimeout(suggestTimer);
    suggest.hidden = true;
    counter += 1;
    var frame = { type: "message", clientId: Date.now().toString(36) + "-" + counter, content: content };
    if (!send(frame)) { pending.push(frame); if (!socket) { start(); } }
    text.value = "";
  };
  text.onkeydown = function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); return; }
    var now = Date.now();
    if (now - lastTyping > 3000) { lastTyping = now; send({ type: "typing" }); }
  };
  launch.onclick = function () { toggle(!open); };
  $(".close").onclick = function () { toggle(false); };
  root.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && open) { toggle(false); }
  });

  // A chat in progress (a reload mid-chat) reconnects at once.
  try { if (sessionStorage.getItem(storeKey)) { connect(); } } catch (e) { /* storage off */ }
})();

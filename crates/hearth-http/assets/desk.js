// The agent desktop's own script. htmx (vendored next to this file) turns every
// link and form into a partial swap of `#page`; this file adds what htmx does not:
// keyboard shortcuts, the live stream, alerts for offered work, times in the
// agent's words, the composer's modes and drafts, and the colour scheme.
(function () {
  "use strict";
  const store = {
    get: function (k) { try { return localStorage.getItem(k); } catch (_) { return null; } },
    set: function (k, v) { try { localStorage.setItem(k, v); } catch (_) {} },
    drop: function (k) { try { localStorage.removeItem(k); } catch (_) {} },
  };

  // ---------------------------------------------------------------- shortcuts
  // The defaults of GLADLY-BEHAVIOUR Q12, changeable per browser in the `?`
  // overlay. Keys are matched by their physical code, so Alt combinations work on
  // every layout; only Alt and Alt+Shift with a letter may be bound, never Alt+D or
  // Alt+F (address bar and browser menu).
  function press(selector) {
    const button = document.querySelector(selector);
    if (button && !button.disabled) { button.click(); return true; }
    return false;
  }
  function action(value) {
    return press('#actions button[name=action][value="' + value + '"]');
  }
  function focus(id) {
    const el = document.getElementById(id);
    if (el) { el.focus(); return true; }
    return false;
  }
  function openBox(id) {
    const box = document.getElementById(id);
    if (!box) return false;
    box.open = true;
    const first = box.querySelector("select, input:not([type=hidden]), button");
    if (first) first.focus();
    return true;
  }
  function toggle(name) {
    const box = document.querySelector("#availability input[name=" + name + "]");
    if (!box) return false;
    box.click();
    return true;
  }
  function mode(which) {
    const radio = document.querySelector("#composer input[name=mode][value=" + which + "]");
    if (!radio) return false;
    radio.checked = true;
    composerMode();
    return focus("body");
  }
  // [id, what it does, default keys, how]
  const ACTIONS = [
    ["next", "Next", "Alt+KeyN", function () { return action("NEXT") || press("#next"); }],
    ["close-next", "Close & Next", "Alt+Shift+KeyN", function () { return action("CLOSE_AND_NEXT"); }],
    ["close", "Close (End & Close on a live chat)", "Alt+KeyC", function () { return action("CLOSE") || action("END_AND_CLOSE"); }],
    ["end", "End the chat or call", "Alt+KeyE", function () { return openBox("end-call") || action("END"); }],
    ["no-reply", "No Reply Needed", "Alt+KeyR", function () { return action("NO_REPLY_NEEDED"); }],
    ["note", "Write a note", "Alt+KeyO", function () { return mode("note"); }],
    ["reply", "Write a reply", "Alt+KeyW", function () { return mode("reply"); }],
    ["topic", "Add a topic", "Alt+KeyT", function () { return focus("topic-select"); }],
    ["answers", "Find an answer to insert", "Alt+KeyI", function () { return openAnswers(); }],
    ["transfer", "Transfer", "Alt+KeyK", function () { return openBox("transfer"); }],
    ["reopen", "Reopen a closed conversation", "Alt+KeyU", function () { return openBox("reopen"); }],
    ["accept", "Accept the offer", "Alt+KeyA", function () { return press("#offers button.primary"); }],
    ["decline", "Decline the offer", "Alt+KeyX", function () { return press("#offers button.decline"); }],
    ["voice", "Voice on or off", "", function () { return toggle("voice"); }],
    ["messaging", "Messaging on or off", "", function () { return toggle("messaging"); }],
    ["mail", "Mail & Tasks on or off", "", function () { return toggle("mail"); }],
    ["focus", "Focus on or off", "", function () { return toggle("focus"); }],
  ];
  const KEYS = "hearth-shortcuts";
  let custom = {};
  try { custom = JSON.parse(store.get(KEYS)) || {}; } catch (_) { custom = {}; }
  function keysOf(a) {
    return Object.prototype.hasOwnProperty.call(custom, a[0]) ? custom[a[0]] : a[2];
  }
  function combo(e) {
    const parts = [];
    if (e.ctrlKey) parts.push("Ctrl");
    if (e.altKey) parts.push("Alt");
    if (e.shiftKey) parts.push("Shift");
    if (e.metaKey) parts.push("Meta");
    parts.push(e.code);
    return parts.join("+");
  }
  function allowed(keys) {
    return /^Alt\+(Shift\+)?Key[A-Z]$/.test(keys) && !/Key[DF]$/.test(keys);
  }
  const overlay = document.getElementById("shortcuts");
  const rows = document.getElementById("shortcut-rows");
  const problem = document.getElementById("shortcut-error");
  let changing = null;
  let openedFrom = null;
  function draw() {
    rows.textContent = "";
    ACTIONS.forEach(function (a) {
      const tr = document.createElement("tr");
      const keys = document.createElement("td");
      const current = keysOf(a);
      if (changing === a[0]) {
        keys.textContent = "press the new keys…";
      } else if (!current) {
        keys.textContent = "—";
      } else {
        current.split("+").forEach(function (k, i) {
          if (i) keys.append("+");
          const kbd = document.createElement("kbd");
          kbd.textContent = k.replace(/^Key/, "");
          keys.append(kbd);
        });
      }
      const what = document.createElement("td");
      what.textContent = a[1];
      const change = document.createElement("td");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Change";
      button.dataset.shortcut = a[0];
      button.setAttribute("aria-label", "Change the keys for " + a[1]);
      button.addEventListener("click", function () {
        changing = a[0];
        problem.hidden = true;
        draw();
        const again = rows.querySelector('button[data-shortcut="' + a[0] + '"]');
        if (again) again.focus();
      });
      change.append(button);
      tr.append(keys, what, change);
      rows.append(tr);
    });
  }
  function save() { store.set(KEYS, JSON.stringify(custom)); }
  function showOverlay(show) {
    if (show === !overlay.hidden) return;
    if (show) {
      openedFrom = document.activeElement;
      overlay.hidden = false;
      document.getElementById("shortcut-close").focus();
    } else {
      overlay.hidden = true;
      changing = null;
      draw();
      if (openedFrom && document.contains(openedFrom)) openedFrom.focus();
    }
  }
  document.getElementById("shortcut-reset").addEventListener("click", function () {
    custom = {};
    changing = null;
    problem.hidden = true;
    save();
    draw();
  });
  document.getElementById("shortcut-close").addEventListener("click", function () { showOverlay(false); });
  function refuse(text) {
    problem.textContent = text;
    problem.hidden = false;
  }
  // Takes the keys for the action being changed.
  function rebind(e) {
    if (/^(Alt|Shift|Control|Meta)/.test(e.code)) return;
    e.preventDefault();
    const id = changing;
    if (e.key === "Escape") { changing = null; draw(); return; }
    if (e.key === "Backspace") { custom[id] = ""; changing = null; save(); draw(); return; }
    if (e.key === "Tab") return;
    const keys = combo(e);
    if (!allowed(keys)) { refuse(keys.replace(/Key/, "") + " cannot be bound: use Alt or Alt+Shift with a letter other than D or F."); return; }
    const taken = ACTIONS.find(function (a) { return a[0] !== id && keysOf(a) === keys; });
    if (taken) { refuse(keys.replace(/Key/, "") + " is already " + taken[1] + "."); return; }
    custom[id] = keys;
    changing = null;
    problem.hidden = true;
    save();
    draw();
  }
  draw();
  // The overlay keeps the focus inside while it is open.
  overlay.addEventListener("keydown", function (e) {
    if (e.key !== "Tab" || changing) return;
    const items = overlay.querySelectorAll("button");
    const first = items[0], last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
  });
  document.addEventListener("keydown", function (e) {
    if (changing) { rebind(e); return; }
    const typing = e.target.closest && e.target.closest("input, textarea, select");
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter" && e.target.id === "body") {
      // Sends what the composer holds, in the mode it shows: a note never goes
      // out as a reply.
      e.preventDefault();
      const form = document.getElementById("composer");
      const send = document.getElementById("send");
      if (form && send && !send.disabled) form.requestSubmit(send);
      return;
    }
    if (e.key === "?" && !typing) {
      e.preventDefault();
      showOverlay(overlay.hidden);
      return;
    }
    if (e.key === "Escape" && !overlay.hidden) { showOverlay(false); return; }
    if (!overlay.hidden) return;
    if (e.key === "/" && !typing && !e.altKey && !e.ctrlKey && !e.metaKey) {
      if (focus("search")) e.preventDefault();
      return;
    }
    if (!e.altKey || e.ctrlKey || e.metaKey) return;
    const keys = combo(e);
    const match = ACTIONS.find(function (a) { return keysOf(a) === keys; });
    // Every bound Alt combination is ours: the browser's menu stays shut even when
    // the action is not open here.
    if (match) {
      e.preventDefault();
      match[3]();
    }
  });
  const help = document.getElementById("help-toggle");
  if (help) help.addEventListener("click", function () { showOverlay(true); });

  // ---------------------------------------------------------- colour scheme
  const THEMES = ["auto", "light", "dark"];
  const themeButton = document.getElementById("theme-toggle");
  function applyTheme(theme) {
    if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
    else delete document.documentElement.dataset.theme;
    if (themeButton) {
      const words = { auto: "as the system sets it", light: "light", dark: "dark" }[theme];
      themeButton.title = "Colours: " + words + " (click to change)";
      themeButton.setAttribute("aria-label", "Colours: " + words);
    }
  }
  applyTheme(store.get("hearth-theme") || "auto");
  if (themeButton) themeButton.addEventListener("click", function () {
    const now = store.get("hearth-theme") || "auto";
    const next = THEMES[(THEMES.indexOf(now) + 1) % THEMES.length];
    store.set("hearth-theme", next);
    applyTheme(next);
  });

  // ------------------------------------------------------ My Customers pane
  const leftToggle = document.getElementById("left-toggle");
  function applyLeft(collapsed) {
    document.body.classList.toggle("left-collapsed", collapsed);
    if (leftToggle) leftToggle.setAttribute("aria-expanded", String(!collapsed));
  }
  applyLeft(store.get("hearth-left") === "collapsed");
  if (leftToggle) leftToggle.addEventListener("click", function () {
    const collapsed = !document.body.classList.contains("left-collapsed");
    store.set("hearth-left", collapsed ? "collapsed" : "open");
    applyLeft(collapsed);
  });

  // ----------------------------------------------------------------- times
  // Every <time> shows in the agent's time zone (the page's data-tz, else the
  // browser's); those marked `rel` say how long until or since, and are kept
  // current, so waits and due times never freeze between updates.
  function zone() { return document.body.dataset.tz || undefined; }
  function span(ms) {
    const min = Math.round(Math.abs(ms) / 60000);
    if (min < 1) return "less than a minute";
    if (min < 60) return min + " min";
    const h = Math.floor(min / 60), m = min % 60;
    if (h < 48) return h + " h" + (m ? " " + m + " min" : "");
    return Math.round(h / 24) + " days";
  }
  let formats = null;
  function format(t) {
    if (!formats) {
      try {
        formats = {
          day: new Intl.DateTimeFormat(undefined, { timeZone: zone(), year: "numeric", month: "2-digit", day: "2-digit" }),
          time: new Intl.DateTimeFormat(undefined, { timeZone: zone(), hour: "2-digit", minute: "2-digit" }),
          full: new Intl.DateTimeFormat(undefined, { timeZone: zone(), dateStyle: "medium", timeStyle: "short" }),
        };
      } catch (_) {
        formats = {
          day: new Intl.DateTimeFormat(undefined, { year: "numeric", month: "2-digit", day: "2-digit" }),
          time: new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" }),
          full: new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }),
        };
      }
    }
    const sameDay = formats.day.format(t) === formats.day.format(Date.now());
    return sameDay ? "today " + formats.time.format(t) : formats.full.format(t);
  }
  function times(root) {
    const now = Date.now();
    (root || document).querySelectorAll("time[datetime]").forEach(function (el) {
      const t = Date.parse(el.getAttribute("datetime"));
      if (isNaN(t)) return;
      if (!el.dataset.titled) { el.title = formats ? formats.full.format(t) : ""; el.dataset.titled = "1"; }
      const left = t - now;
      switch (el.dataset.rel) {
        case "due":
          el.textContent = left >= 0 ? "due in " + span(left) : "overdue by " + span(left);
          el.classList.toggle("overdue", left < 0);
          // Due soon from the moment the server names (the inbox's warning time).
          const soon = Date.parse(el.dataset.soon || "");
          el.classList.toggle("due-soon", left >= 0 && !isNaN(soon) && now >= soon);
          break;
        case "ago":
          el.textContent = span(left) + " ago";
          break;
        case "wait":
          el.textContent = "waiting " + span(left);
          break;
        default:
          el.textContent = format(t);
          if (!el.title) el.title = formats.full.format(t);
      }
    });
  }

  // ---------------------------------------------------------------- alerts
  // Offered work shows on every page: the banner, a ring the agent can turn off,
  // the count in the tab's title, and a browser notification while the tab is
  // hidden (once the agent allowed them).
  const known = new Set();
  let firstLook = true;
  const soundButton = document.getElementById("sound-toggle");
  function soundOn() { return store.get("hearth-sound") !== "off"; }
  function drawSound() {
    if (!soundButton) return;
    soundButton.setAttribute("aria-pressed", String(soundOn()));
    soundButton.textContent = soundOn() ? "🔔" : "🔕";
    const words = document.createElement("span");
    words.className = "skip";
    words.textContent = soundOn() ? " Sound for offers is on" : " Sound for offers is off";
    soundButton.append(words);
  }
  drawSound();
  if (soundButton) soundButton.addEventListener("click", function () {
    store.set("hearth-sound", soundOn() ? "off" : "on");
    drawSound();
  });
  let audio = null;
  function ring() {
    if (!soundOn()) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      [0, 0.25].forEach(function (at) {
        const o = audio.createOscillator(), g = audio.createGain();
        o.frequency.value = 880;
        g.gain.setValueAtTime(0.15, audio.currentTime + at);
        g.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + at + 0.2);
        o.connect(g).connect(audio.destination);
        o.start(audio.currentTime + at);
        o.stop(audio.currentTime + at + 0.2);
      });
    } catch (_) {}
  }
  const notifyButton = document.getElementById("notify-toggle");
  if (notifyButton && window.Notification && Notification.permission === "default") {
    notifyButton.hidden = false;
    notifyButton.addEventListener("click", function () {
      Notification.requestPermission().then(function () { notifyButton.hidden = true; });
    });
  }
  function notify(offer) {
    if (!window.Notification || Notification.permission !== "granted" || !document.hidden) return;
    try {
      const who = offer.dataset.who ? " from " + offer.dataset.who : "";
      const n = new Notification("Incoming " + offer.dataset.what + who, { tag: offer.dataset.offer, body: "Accept or decline in Hearth." });
      n.onclick = function () { window.focus(); n.close(); };
    } catch (_) {}
  }
  function alerts() {
    const offers = document.querySelectorAll("#offers .offer");
    offers.forEach(function (o) {
      if (known.has(o.dataset.offer)) return;
      known.add(o.dataset.offer);
      if (!firstLook || document.readyState !== "loading") { ring(); notify(o); }
    });
    firstLook = false;
    const card = document.getElementById("customers-card");
    const count = offers.length + Number(card ? card.dataset.unseen || 0 : 0);
    const plain = document.title.replace(/^\(\d+\) /, "");
    document.title = count ? "(" + count + ") " + plain : plain;
  }
  setInterval(function () {
    document.querySelectorAll(".countdown[data-expires]").forEach(function (el) {
      const left = Math.max(0, Math.round((Date.parse(el.dataset.expires) - Date.now()) / 1000));
      el.textContent = left + " s";
    });
  }, 1000);

  // -------------------------------------------------------------- composer
  // Reply and Note are two modes of one box; the box, its hint and its button
  // always say which one it is in. What is typed is kept per conversation in this
  // browser until it is sent, across reloads and refusals.
  function composer() { return document.getElementById("composer"); }
  function composerMode() {
    const form = composer();
    if (!form) return;
    const checked = form.querySelector("input[name=mode]:checked");
    const noting = !checked || checked.value === "note";
    form.classList.toggle("noting", noting);
    const send = document.getElementById("send");
    const channel = form.querySelector("#channel");
    const choice = channel && channel.selectedOptions[0];
    if (send) {
      if (noting) {
        send.textContent = "Add note";
      } else {
        send.textContent = choice ? choice.dataset.send || "Send" : "Send";
      }
    }
    // Email fields only for an email.
    const email = !noting && choice && choice.dataset.kind === "EMAIL";
    form.querySelectorAll(".email-only").forEach(function (el) { el.hidden = !email; });
    const body = document.getElementById("body");
    if (body) body.setAttribute("aria-label", noting ? "Internal note (only your team sees it)" : "Reply to the customer");
    saveDraft();
  }
  function draftKey() {
    const form = composer();
    return form ? "hearth-draft:" + form.dataset.conversation : null;
  }
  function draftOf(form) {
    const v = function (name) { const el = form.elements[name]; return el ? (el.value || "") : ""; };
    const checked = form.querySelector("input[name=mode]:checked");
    return { body: v("body"), subject: v("subject"), cc: v("cc"), channel: v("channel"), mode: checked ? checked.value : "" };
  }
  function saveDraft() {
    const form = composer(), key = draftKey();
    if (!form || !key) return;
    const d = draftOf(form);
    if (d.body || d.subject) store.set(key, JSON.stringify(d));
    else store.drop(key);
  }
  function restoreDraft() {
    const form = composer(), key = draftKey();
    if (!form || !key || form.dataset.restored) return;
    form.dataset.restored = "1";
    const sent = sessionStorage.getItem("hearth-sent:" + form.dataset.conversation);
    sessionStorage.removeItem("hearth-sent:" + form.dataset.conversation);
    if (sent && !form.querySelector(".field-error, #composer-error")) { store.drop(key); composerMode(); return; }
    let d = null;
    try { d = JSON.parse(store.get(key)); } catch (_) { d = null; }
    if (d && !form.elements.body.value) {
      form.elements.body.value = d.body || "";
      if (form.elements.subject && d.subject) form.elements.subject.value = d.subject;
      if (form.elements.cc && d.cc) form.elements.cc.value = d.cc;
      if (form.elements.channel && d.channel && form.querySelector('#channel option[value="' + CSS.escape(d.channel) + '"]')) form.elements.channel.value = d.channel;
      const radio = d.mode && form.querySelector('input[name=mode][value="' + d.mode + '"]');
      if (radio) radio.checked = true;
    }
    composerMode();
  }
  document.addEventListener("change", function (e) {
    if (e.target.closest && e.target.closest("#composer")) composerMode();
  });
  let typingSent = 0;
  document.addEventListener("input", function (e) {
    const form = e.target.closest && e.target.closest("#composer");
    if (!form) return;
    saveDraft();
    // Typing in a chat reply tells the customer's widget (at most every 3 s).
    const checked = form.querySelector("input[name=mode]:checked");
    const chat = form.querySelector("#channel option:checked");
    if (e.target.id === "body" && checked && checked.value === "reply" && chat && chat.dataset.kind === "CHAT_MESSAGE") {
      const now = Date.now();
      if (now - typingSent < 3000) return;
      typingSent = now;
      fetch("/ui/conversations/" + form.dataset.conversation + "/typing", {
        method: "POST", credentials: "same-origin",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "csrf=" + encodeURIComponent(document.body.dataset.csrf || ""),
      }).catch(function () {});
    }
  });
  document.addEventListener("submit", function (e) {
    const form = e.target;
    // A reply with an answer's placeholder still in it is not sent: it would reach
    // the customer as "{{customer.firstName}}".
    if (form.id === "composer" && replying() && placeholdersLeft().length) {
      e.preventDefault();
      e.stopImmediatePropagation();
      showPlaceholders(true);
      return;
    }
    if (form.id === "composer") {
      sessionStorage.setItem("hearth-sent:" + form.dataset.conversation, "1");
    }
    // A date and time typed in the browser's zone travels with that zone's offset.
    const offset = form.querySelector("[data-tz-offset]");
    const due = form.elements.due;
    if (offset && due && due.value) {
      const local = new Date(due.value);
      if (!isNaN(local)) offset.value = String(-local.getTimezoneOffset());
    }
    // One click acts once: a second press while the first is on its way is ignored.
    // (A search may go again at once.)
    if ((form.method || "").toLowerCase() === "get") return;
    if (form.dataset.sending) { e.preventDefault(); return; }
    form.dataset.sending = "1";
    setTimeout(function () { delete form.dataset.sending; }, 4000);
  }, true);
  // ---------------------------------------------------------------- answers
  // Alt+I (or the Answers button) opens a search over the answers for the reply's
  // channel (email, messaging; reference while writing a note). Arrows choose,
  // Enter inserts the answer at the cursor with the customer's and the agent's
  // names filled in; a placeholder Hearth could not fill is selected for the agent
  // to type over, and the reply is not sent while one is left.
  function replying() {
    const form = composer();
    const checked = form && form.querySelector("input[name=mode]:checked");
    return !!checked && checked.value === "reply";
  }
  function answerKind() {
    if (!replying()) return "reference";
    const choice = composer().querySelector("#channel option:checked");
    return choice && choice.dataset.kind === "EMAIL" ? "email" : "messaging";
  }
  const PLACEHOLDER = /\{\{\s*[A-Za-z0-9_.]+\s*\}\}/g;
  function placeholdersLeft() {
    const form = composer();
    if (!form) return [];
    const text = (form.elements.body ? form.elements.body.value : "") + " " +
      (form.elements.subject ? form.elements.subject.value : "");
    const found = text.match(PLACEHOLDER) || [];
    return found.filter(function (p, i) { return found.indexOf(p) === i; });
  }
  function showPlaceholders(select) {
    const note = document.getElementById("placeholders-left");
    if (!note) return;
    const left = replying() ? placeholdersLeft() : [];
    note.hidden = !left.length;
    note.textContent = left.length ? "Fill in " + left.join(", ") + " before sending." : "";
    const body = document.getElementById("body");
    if (select && left.length && body) {
      const at = body.value.indexOf(left[0]);
      body.focus();
      if (at >= 0) body.setSelectionRange(at, at + left[0].length);
    }
  }
  let answerList = [], answerPick = 0, answerAsked = 0, answerTimer = null;
  function answersPanel() { return document.getElementById("answers"); }
  function openAnswers() {
    const panel = answersPanel();
    const form = composer();
    if (!panel || !form || form.elements.body.disabled) return false;
    panel.hidden = false;
    const toggleButton = document.getElementById("answers-toggle");
    if (toggleButton) toggleButton.setAttribute("aria-expanded", "true");
    const q = document.getElementById("answer-q");
    q.focus();
    q.select();
    findAnswers();
    return true;
  }
  function closeAnswers(back) {
    const panel = answersPanel();
    if (!panel || panel.hidden) return;
    panel.hidden = true;
    const toggleButton = document.getElementById("answers-toggle");
    if (toggleButton) toggleButton.setAttribute("aria-expanded", "false");
    if (back) focus("body");
  }
  function findAnswers() {
    clearTimeout(answerTimer);
    answerTimer = setTimeout(function () {
      const form = composer();
      const q = document.getElementById("answer-q");
      if (!form || !q) return;
      const asked = ++answerAsked;
      fetch("/ui/conversations/" + form.dataset.conversation + "/answers?kind=" + answerKind() +
        "&q=" + encodeURIComponent(q.value), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { answers: [] }; })
        .then(function (j) { if (asked === answerAsked) drawAnswers(j.answers || []); })
        .catch(function () {});
    }, 120);
  }
  function drawAnswers(list) {
    answerList = list;
    answerPick = 0;
    const ul = document.getElementById("answer-list");
    const q = document.getElementById("answer-q");
    ul.replaceChildren();
    if (!list.length) {
      const li = document.createElement("li");
      li.setAttribute("role", "option");
      li.setAttribute("aria-disabled", "true");
      li.textContent = "No answer matches.";
      ul.appendChild(li);
      q.removeAttribute("aria-activedescendant");
      return;
    }
    list.forEach(function (a, i) {
      const li = document.createElement("li");
      li.id = "answer-" + i;
      li.setAttribute("role", "option");
      const name = document.createElement("strong");
      name.textContent = a.name;
      li.appendChild(name);
      if (a.internal) {
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = "Internal";
        li.appendChild(document.createTextNode(" "));
        li.appendChild(badge);
      }
      if (a.unfilled.length) {
        const badge = document.createElement("span");
        badge.className = "badge warn";
        badge.textContent = "To fill in: " + a.unfilled.join(", ");
        li.appendChild(document.createTextNode(" "));
        li.appendChild(badge);
      }
      const snippet = document.createElement("span");
      snippet.className = "snippet";
      snippet.textContent = a.text.replace(/\s+/g, " ");
      li.appendChild(snippet);
      li.addEventListener("mousedown", function (e) { e.preventDefault(); insertAnswer(a); });
      ul.appendChild(li);
    });
    pickAnswer(0);
  }
  function pickAnswer(i) {
    if (!answerList.length) return;
    answerPick = (i + answerList.length) % answerList.length;
    document.querySelectorAll("#answer-list li").forEach(function (li, j) {
      li.setAttribute("aria-selected", j === answerPick ? "true" : "false");
      if (j === answerPick) li.scrollIntoView({ block: "nearest" });
    });
    document.getElementById("answer-q").setAttribute("aria-activedescendant", "answer-" + answerPick);
  }
  function insertAnswer(a) {
    const form = composer();
    const body = form.elements.body;
    const start = body.selectionStart || 0, end = body.selectionEnd || 0;
    body.value = body.value.slice(0, start) + a.text + body.value.slice(end);
    const caret = start + a.text.length;
    if (form.elements.subject && a.subject && !form.elements.subject.value.trim()) {
      form.elements.subject.value = a.subject;
    }
    closeAnswers(false);
    body.focus();
    body.setSelectionRange(caret, caret);
    saveDraft();
    showPlaceholders(a.unfilled.length > 0);
    fetch("/ui/answers/" + encodeURIComponent(a.id) + "/used", {
      method: "POST", credentials: "same-origin",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "csrf=" + encodeURIComponent(document.body.dataset.csrf || ""),
    }).catch(function () {});
  }
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("#answers-toggle")) {
      const panel = answersPanel();
      if (panel && !panel.hidden) closeAnswers(true); else openAnswers();
    }
  });
  document.addEventListener("input", function (e) {
    if (e.target.id === "answer-q") findAnswers();
    else if (e.target.closest && e.target.closest("#composer")) showPlaceholders(false);
  });
  document.addEventListener("keydown", function (e) {
    if (e.target.id !== "answer-q") return;
    if (e.key === "ArrowDown") { e.preventDefault(); pickAnswer(answerPick + 1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); pickAnswer(answerPick - 1); }
    else if (e.key === "Enter") {
      e.preventDefault();
      if (answerList[answerPick]) insertAnswer(answerList[answerPick]);
    } else if (e.key === "Escape") { e.preventDefault(); closeAnswers(true); }
  });
  // Whether the chat customer is typing, asked every 2 s on a chat's page.
  setInterval(function () {
    const note = document.getElementById("customer-typing");
    const form = composer();
    if (!note || !form) return;
    fetch("/ui/conversations/" + form.dataset.conversation + "/typing", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (j) { note.textContent = j.customerTyping ? "The customer is typing…" : ""; })
      .catch(function () {});
  }, 2000);
  document.addEventListener("click", function (e) {
    const pick = e.target.closest && e.target.closest(".emoji-picker button");
    if (!pick) return;
    const body = document.getElementById("body");
    if (!body) return;
    const at = body.selectionStart || body.value.length;
    body.value = body.value.slice(0, at) + pick.textContent + body.value.slice(body.selectionEnd || at);
    body.focus();
    body.selectionStart = body.selectionEnd = at + pick.textContent.length;
    const menu = pick.closest("details");
    if (menu) menu.open = false;
    saveDraft();
  });

  // --------------------------------------------------------- availability
  // One click on a switch applies it at once.
  document.addEventListener("change", function (e) {
    const input = e.target;
    if (input.closest && input.closest("#availability") && input.type === "checkbox") {
      input.form.requestSubmit();
    }
  });

  // ------------------------------------------------------------ the page
  // The timeline reads top to bottom, newest last: it opens at the bottom, and
  // stays there as messages arrive unless the agent scrolled up to read.
  function toBottom(force) {
    const t = document.getElementById("timeline");
    if (!t) return;
    if (force || t.scrollHeight - t.scrollTop - t.clientHeight < 120) t.scrollTop = t.scrollHeight;
  }
  function decorate(root, fresh) {
    times(root);
    alerts();
    restoreDraft();
    toBottom(fresh);
  }
  document.addEventListener("DOMContentLoaded", function () { decorate(document, true); });
  if (document.readyState !== "loading") decorate(document, true);
  // After sending from the composer the cursor goes back into it, ready for the
  // next message.
  let sentFrom = null;
  document.addEventListener("htmx:beforeRequest", function (e) {
    const form = e.detail && e.detail.elt && e.detail.elt.closest && e.detail.elt.closest("form");
    sentFrom = form ? form.id : null;
  });
  document.addEventListener("htmx:afterSettle", function (e) {
    decorate(e.target, e.target.id === "page");
    if (e.target.id === "page" && sentFrom === "composer" && document.getElementById("body")) {
      document.getElementById("body").focus({ preventScroll: true });
      sentFrom = null;
    } else if (e.target.id === "page") {
      const center = document.getElementById("center");
      const active = document.activeElement;
      if (center && (!active || active === document.body)) {
        const first = document.getElementById("body") || center;
        first.focus({ preventScroll: true });
      }
    }
  });
  setInterval(function () { times(document); }, 15000);

  // Live updates: on any event of the agent's stream, fetch this page again and
  // swap in every element marked data-live. A region the agent is working in (it
  // holds the focus, or an open menu or dialog) is left as it is: if it went stale,
  // acting on it is refused with the fresh state rather than pulled from under the
  // agent.
  //
  // One stream per browser: the tab holding the Web Lock "hearth-live" reads it and
  // tells the other tabs over a BroadcastChannel, so many open tabs never use up the
  // few connections a browser allows per server. Without those APIs (an insecure
  // origin, an old browser) every tab reads its own stream.
  if (!document.querySelector("[data-live]") || !window.EventSource) return;
  let timer = null;
  function busy(el) {
    const focused = document.activeElement;
    return (focused && focused !== document.body && el.contains(focused))
      || el.querySelector("details[open], [role=dialog]") !== null;
  }
  function refresh() {
    fetch(location.href, { credentials: "same-origin", headers: { "x-hearth-live": "1" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        const fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (el) {
          const next = fresh.getElementById(el.id);
          if (next && !busy(el)) {
            el.replaceWith(next);
            if (window.htmx) window.htmx.process(next);
          }
        });
        decorate(document, false);
      })
      .catch(function () {});
  }
  function changed() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  }
  const channel = window.BroadcastChannel ? new BroadcastChannel("hearth-live") : null;
  if (channel) channel.onmessage = changed;
  function listen() {
    const source = new EventSource("/ui/stream");
    source.onmessage = function () {
      changed();
      if (channel) channel.postMessage("changed");
    };
    return source;
  }
  if (channel && navigator.locks) {
    const loadedAt = Date.now();
    navigator.locks.request("hearth-live", function () {
      // This tab now reads for all. Events may have passed while no tab read:
      // the other tabs catch up, and so does this one unless it has just loaded.
      channel.postMessage("changed");
      if (Date.now() - loadedAt > 1000) changed();
      return new Promise(function (release) {
        const source = listen();
        window.addEventListener("pagehide", function () { source.close(); release(); });
      });
    });
  } else {
    const source = listen();
    // Close the stream when the page goes: browsers allow only a few connections
    // per server, and a page kept for the back button would otherwise hold one.
    window.addEventListener("pagehide", function () { source.close(); });
  }
  // A page restored from the back-forward cache has no stream: load it afresh.
  window.addEventListener("pageshow", function (e) { if (e.persisted) location.reload(); });
  // Pages about other agents' work (the supervisor's) also refresh on a timer.
  setInterval(function () {
    const poll = document.querySelector("[data-poll]");
    if (poll) refresh();
  }, 5000);
})();

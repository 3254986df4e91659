/* The web chat: sends messages to the Rasa REST channel and shows replies with quick-reply buttons.
   Free text is always allowed; focus stays in the message box; replies are announced (role=log).
   A reload shows the conversation again (POST /chat/history with the sender id kept in sessionStorage)
   instead of starting over. Crisis replies are shown as an urgent care card; phone numbers, the
   SHOUT text line and web addresses are links. Tracked links (?campaign=…&service=…) are passed on. */
(function () {
  "use strict";
  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var params = new URLSearchParams(window.location.search);
  var metadata = {};
  if (params.get("campaign")) { metadata.campaign = params.get("campaign"); }
  if (params.get("service")) { metadata.service = params.get("service"); }
  var sender = sessionStorage.getItem("chat-sender");
  if (!sender) {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    sender = "web-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    sessionStorage.setItem("chat-sender", sender);
  }
  var busy = false;

  // Phone numbers, the SHOUT text line and web addresses become links (built as DOM nodes, never HTML).
  var LINKS = /(text SHOUT to 85258)|(https?:\/\/[^\s<>"]*[^\s<>".,;:!?)])|(\b0\d{2,4}(?: ?\d){6,8}\b)|(\b116 ?123\b)|(\b111\b)|(\b999\b)/g;

  function linkTarget(match) {
    if (match[1]) { return "sms:85258&body=SHOUT"; }
    if (match[2]) { return match[2]; }
    return "tel:" + match[0].replace(/\D/g, "");
  }

  function appendText(parent, text, reference) {
    var last = 0;
    var match;
    LINKS.lastIndex = 0;
    while ((match = LINKS.exec(text)) !== null) {
      appendPlain(parent, text.slice(last, match.index), reference);
      var a = document.createElement("a");
      a.href = linkTarget(match);
      a.textContent = match[0];
      if (match[2]) { a.rel = "noopener"; }
      parent.appendChild(a);
      last = match.index + match[0].length;
    }
    appendPlain(parent, text.slice(last), reference);
  }

  function appendPlain(parent, text, reference) {
    if (!text) { return; }
    var at = reference ? text.indexOf(reference) : -1;
    if (at < 0) { parent.appendChild(document.createTextNode(text)); return; }
    parent.appendChild(document.createTextNode(text.slice(0, at)));
    var strong = document.createElement("strong");
    strong.className = "chat__reference";
    strong.textContent = reference;
    parent.appendChild(strong);
    parent.appendChild(document.createTextNode(text.slice(at + reference.length)));
  }

  function addUser(text) {
    var p = document.createElement("p");
    p.className = "chat__message chat__message--user";
    var label = document.createElement("span");
    label.className = "chat__who";
    label.textContent = "You:";
    p.appendChild(label);
    p.appendChild(document.createTextNode(text));
    log.appendChild(p);
    return p;
  }

  function addBot(message) {
    var custom = message.custom || {};
    var text = message.text || "";
    if (custom.kind === "urgent") { return addUrgent(text, custom.title || "Get help now"); }
    var p = document.createElement("p");
    p.className = "chat__message chat__message--bot" + (custom.kind === "confirmation" ? " chat__message--confirmation" : "");
    var label = document.createElement("span");
    label.className = "chat__who";
    label.textContent = "NHS assistant:";
    p.appendChild(label);
    appendText(p, text, custom.kind === "confirmation" ? custom.reference : null);
    log.appendChild(p);
    return p;
  }

  // NHS.UK "urgent and emergency care" card: red header, the help below it.
  function addUrgent(text, title) {
    var card = document.createElement("div");
    card.className = "chat__message chat__message--bot chat__urgent";
    var heading = document.createElement("h3");
    heading.className = "chat__urgent-heading";
    var hidden = document.createElement("span");
    hidden.className = "nhsuk-u-visually-hidden";
    hidden.textContent = "Urgent advice: ";
    heading.appendChild(hidden);
    heading.appendChild(document.createTextNode(title));
    card.appendChild(heading);
    var body = document.createElement("p");
    body.className = "chat__urgent-body";
    appendText(body, text, null);
    card.appendChild(body);
    log.appendChild(card);
    return card;
  }

  function clearButtons() {
    var old = log.querySelectorAll(".chat__buttons");
    for (var i = 0; i < old.length; i++) { old[i].parentNode.removeChild(old[i]); }
  }

  function addButtons(buttons, custom) {
    if (!buttons || !buttons.length) { return null; }
    if (custom && custom.kind === "multiple_choice") { return addChoices(buttons, custom); }
    var group = document.createElement("div");
    group.className = "chat__buttons";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Quick replies");
    buttons.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "nhsuk-button nhsuk-button--secondary";
      button.textContent = b.title;
      // The pressed button goes away with the others: focus goes back to the message box, not to the page.
      button.addEventListener("click", function () { send(b.payload, b.title); input.focus(); });
      group.appendChild(button);
    });
    log.appendChild(group);
    return group;
  }

  // "Which of these health conditions do you live with?": several answers at once, as tick boxes and a Continue button.
  function addChoices(buttons, custom) {
    var group = document.createElement("fieldset");
    group.className = "chat__buttons chat__choices nhsuk-fieldset";
    var legend = document.createElement("legend");
    legend.className = "nhsuk-fieldset__legend nhsuk-fieldset__legend--s";
    legend.textContent = "Choose all that apply";
    group.appendChild(legend);
    var boxes = [];
    buttons.forEach(function (b, index) {
      var value;
      try { value = JSON.parse(b.payload.replace(/^\/\w+/, ""))[custom.fact]; } catch (e) { value = null; }
      if (!value) { return; }
      var item = document.createElement("div");
      item.className = "chat__choice";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.id = "choice-" + log.children.length + "-" + index;
      box.value = value[0];
      box.dataset.title = b.title;
      var label = document.createElement("label");
      label.htmlFor = box.id;
      label.textContent = b.title;
      box.addEventListener("change", function () {
        // "None of these" cannot be chosen with a condition.
        if (!box.checked) { return; }
        boxes.forEach(function (other) {
          if (other !== box && (box.value === custom.none_value || other.value === custom.none_value)) { other.checked = false; }
        });
      });
      boxes.push(box);
      item.appendChild(box);
      item.appendChild(label);
      group.appendChild(item);
    });
    var done = document.createElement("button");
    done.type = "button";
    done.className = "nhsuk-button chat__continue";
    done.textContent = "Continue";
    done.addEventListener("click", function () {
      var chosen = boxes.filter(function (b) { return b.checked; });
      if (!chosen.length) { legend.textContent = "Choose at least one, or type your answer"; return; }
      var value = {};
      value[custom.fact] = chosen.map(function (b) { return b.value; });
      send("/inform" + JSON.stringify(value), chosen.map(function (b) { return b.dataset.title; }).join(", "));
      input.focus();
    });
    group.appendChild(done);
    log.appendChild(group);
    return group;
  }

  // Show the newest reply: the quick replies at the bottom, or the reply's start when it is taller than the box.
  function reveal(first) {
    if (!first) { return; }
    var top = first.offsetTop - log.offsetTop;
    var fits = log.scrollHeight - top <= log.clientHeight;
    log.scrollTop = fits ? log.scrollHeight : top;
  }

  function show(replies) {
    var buttons = [];
    var custom = null;
    var first = null;
    replies.forEach(function (r) {
      if (r.text) {
        var node = addBot(r);
        first = first || node;
      }
      if (r.buttons && r.buttons.length) { buttons = r.buttons; custom = r.custom || null; }
    });
    addButtons(buttons, custom);
    reveal(first);
  }

  function send(message, shown, silent) {
    if (busy) { return; }
    busy = true;
    clearButtons();
    var mine = silent ? null : addUser(shown || message);
    var body = { sender: sender, message: message };
    if (metadata.campaign || metadata.service) { body.metadata = metadata; }
    fetch("/webhooks/rest/webhook", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) { throw new Error("status " + response.status); }
      return response.json();
    }).then(function (replies) {
      show(replies);
    }).catch(function () {
      reveal(addBot({ text: "Sorry, something went wrong. Please try again, or call 0306 999 0123." }));
    }).then(function () {
      busy = false;
      if (mine) { mine.setAttribute("data-sent", "true"); }
    });
  }

  // A reload (or coming back in this tab) shows the conversation so far; a new tab starts with the greeting.
  function restore() {
    fetch("/chat/history", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: sender })
    }).then(function (response) {
      if (!response.ok) { throw new Error("status " + response.status); }
      return response.json();
    }).then(function (data) {
      var messages = (data && data.messages) || [];
      if (!messages.length) { send("/greet", null, true); return; }
      var offered = null;  // the quick replies of the last turn, if the person has not answered them yet
      messages.forEach(function (m) {
        if (m.who === "user") { addUser(m.text); offered = null; } else { addBot(m); if (m.buttons) { offered = m; } }
      });
      if (offered) { addButtons(offered.buttons, offered.custom || null); }
      log.scrollTop = log.scrollHeight;
    }).catch(function () { send("/greet", null, true); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy) { return; }
    input.value = "";
    send(text);
    input.focus();
  });

  restore();
})();

/* The web chat: sends messages to the Rasa REST channel and shows replies with quick-reply buttons.
   Free text is always allowed. Tracked links (?campaign=…&service=…) are passed on as metadata. */
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

  function addMessage(who, text) {
    var p = document.createElement("p");
    p.className = "chat__message chat__message--" + who;
    var label = document.createElement("span");
    label.className = "chat__who";
    label.textContent = who === "bot" ? "NHS assistant:" : "You:";
    p.appendChild(label);
    p.appendChild(document.createTextNode(text));
    log.appendChild(p);
    log.scrollTop = log.scrollHeight;
  }

  function clearButtons() {
    var old = log.querySelectorAll(".chat__buttons");
    for (var i = 0; i < old.length; i++) { old[i].parentNode.removeChild(old[i]); }
  }

  function addButtons(buttons) {
    if (!buttons || !buttons.length) { return; }
    var group = document.createElement("div");
    group.className = "chat__buttons";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Quick replies");
    buttons.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "nhsuk-button nhsuk-button--secondary";
      button.textContent = b.title;
      button.addEventListener("click", function () { send(b.payload, b.title); });
      group.appendChild(button);
    });
    log.appendChild(group);
  }

  function send(message, shown) {
    clearButtons();
    addMessage("user", shown || message);
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
      var buttons = [];
      replies.forEach(function (r) {
        if (r.text) { addMessage("bot", r.text); }
        if (r.buttons && r.buttons.length) { buttons = r.buttons; }
      });
      addButtons(buttons);
      var first = log.querySelector(".chat__buttons button");
      if (first && document.activeElement !== input) { first.focus(); }
    }).catch(function () {
      addMessage("bot", "Sorry, something went wrong. Please try again, or call 0306 999 0123.");
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text);
    input.focus();
  });

  send("hello", "Hello");
})();

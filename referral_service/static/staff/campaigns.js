// Progressive enhancement for the campaign pages; each page works without it.

// A live count of characters and text message parts as the template is typed (the server checks the real texts
// in the preview). GSM-7 texts take 160 characters, or 153 per part when split; others 70, or 67 per part.
const GSM_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENSION = "^{}\\[~]|€\f";

function countParts(text) {
  const chars = Array.from(text);
  const gsm = chars.every((c) => GSM_BASIC.includes(c) || GSM_EXTENSION.includes(c));
  const units = gsm ? chars.reduce((n, c) => n + (GSM_EXTENSION.includes(c) ? 2 : 1), 0) : text.length;
  const [single, part] = gsm ? [160, 153] : [70, 67];
  const parts = units === 0 ? 1 : units <= single ? 1 : Math.ceil(units / part);
  return { gsm, units, parts };
}

for (const field of document.querySelectorAll("[data-segment-counter]")) {
  const output = document.getElementById(field.dataset.segmentCounter);
  let timer;
  const update = () => {
    const { gsm, units, parts } = countParts(field.value);
    output.textContent = `${units} characters (${gsm ? "standard" : "with special characters, so shorter parts"}): ` +
      `${parts} text message part${parts === 1 ? "" : "s"}, before names and the link are filled in.`;
  };
  // Debounced, so a screen reader announces the count when typing pauses rather than at every key.
  field.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(update, 400); });
  update();
}

// Upload progress for the contacts file: the percentage sent, then "checking" until the server answers.
for (const form of document.querySelectorAll("[data-upload-form]")) {
  form.addEventListener("submit", (event) => {
    const status = form.querySelector("[data-upload-status]");
    const button = form.querySelector("button");
    if (!window.FormData || !status) return;
    event.preventDefault();
    button.disabled = true;
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) status.textContent = `Uploading: ${Math.round((100 * e.loaded) / e.total)}%`;
    });
    request.upload.addEventListener("load", () => { status.textContent = "Uploaded. Checking every row…"; });
    request.addEventListener("load", () => {
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.addEventListener("error", () => {
      status.textContent = "The upload failed. Check your connection and try again.";
      button.disabled = false;
    });
    request.send(new FormData(form));
  });
}

// Live counts on a campaign that is sending: refreshed every 5 seconds until it has finished.
const live = document.querySelector("[data-live-counts]");
if (live) {
  const refresh = async () => {
    const response = await fetch(live.dataset.liveCounts, { credentials: "same-origin" });
    if (!response.ok) return;
    const body = await response.json();
    for (const [status, n] of Object.entries(body.counts)) {
      const cell = live.querySelector(`[data-count="${status}"]`);
      if (cell) cell.textContent = n;
    }
    if (body.status === "sending") setTimeout(refresh, 5000);
  };
  setTimeout(refresh, 5000);
}

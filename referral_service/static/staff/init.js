// Start the NHS.UK frontend's components (header menu, tabs, error summary focus…). A module script,
// so browsers too old for the frontend's JavaScript skip it and get the plain pages, which work alone.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();

// After a check, move focus to the summary at the top, so keyboard and screen reader users start there.
const summary = document.querySelector("[data-focus-on-load]");
if (summary && !document.querySelector(".nhsuk-error-summary")) {
  summary.focus();
}

// Every console action goes through one modal <dialog>: it says exactly what will happen
// ("Ban @spam and delete all their messages in live rooms?"), asks for the reason the
// audit log keeps (1–500 characters), and runs the action only on confirmation. The
// outcome — what happened, or the API's error message — goes to the console's live
// region; then the lists the action touched are read again.

import { $ } from "./dom.js";

export const REASON_MAX = 500;

export class ConfirmDialog {
  /**
   * `dialog` is the page's <dialog data-confirm>; `announce(text, kind)` shows an
   * outcome; `after()` runs once an action is done (refreshing what it touched).
   */
  constructor(dialog, { announce, after }) {
    this.dialog = dialog;
    this.announce = announce;
    this.after = after;
    this.els = {
      form: $("[data-confirm-form]", dialog),
      title: $("[data-confirm-title]", dialog),
      question: $("[data-confirm-question]", dialog),
      option: $("[data-confirm-option]", dialog),
      check: $("[data-confirm-check]", dialog),
      optionLabel: $("[data-confirm-option-label]", dialog),
      reason: $("[data-confirm-reason]", dialog),
      error: $("[data-confirm-error]", dialog),
      ok: $("[data-confirm-ok]", dialog),
      cancel: $("[data-confirm-cancel]", dialog),
    };
    this.request = null;
    this.busy = false;
    this.els.form.addEventListener("submit", (event) => {
      event.preventDefault(); // form-action 'none': nothing is ever submitted
      this.confirm();
    });
    this.els.cancel.addEventListener("click", () => this.close());
    this.els.check.addEventListener("change", () => this.describe());
    this.els.reason.addEventListener("input", () => this.showError(""));
    // Escape while the action runs would hide its outcome's context: wait for it.
    dialog.addEventListener("cancel", (event) => {
      if (this.busy) event.preventDefault();
    });
    dialog.addEventListener("close", () => this.restoreFocus());
  }

  /**
   * Asks about one action: `title` ("Ban bot"), `question(checked)` (what will happen,
   * given the option's checkbox), `confirmLabel(checked)` (the button), an optional
   * `option` ({label, checked}) and `run(reason, checked)`, which performs it and
   * resolves to the sentence saying what happened. `danger` styles the confirm button
   * for what cannot be undone by a click (bans, deletions, ending a room).
   */
  ask({ title, question, confirmLabel, option = null, danger = true, run }) {
    this.request = { question, confirmLabel, run };
    this.opener = document.activeElement;
    const { els } = this;
    els.title.textContent = title;
    els.option.hidden = !option;
    els.check.checked = Boolean(option?.checked);
    els.optionLabel.textContent = option?.label ?? "";
    els.reason.value = "";
    els.ok.disabled = false;
    els.ok.className = danger ? "button button-danger" : "button button-primary";
    this.showError("");
    this.describe();
    this.dialog.showModal();
    els.reason.focus();
  }

  describe() {
    const checked = this.els.check.checked;
    this.els.question.textContent = this.request.question(checked);
    this.els.ok.textContent = this.request.confirmLabel(checked);
  }

  showError(text) {
    const { error, reason } = this.els;
    error.textContent = text;
    error.hidden = !text;
    if (text) {
      reason.setAttribute("aria-invalid", "true");
      reason.setAttribute("aria-describedby", error.id);
    } else {
      reason.removeAttribute("aria-invalid");
      reason.removeAttribute("aria-describedby");
    }
  }

  async confirm() {
    if (this.busy) return;
    const reason = this.els.reason.value.trim();
    if (!reason) {
      this.showError("Give a reason: the audit log keeps it with this action.");
      this.els.reason.focus();
      return;
    }
    if (reason.length > REASON_MAX) {
      this.showError(`A reason has at most ${REASON_MAX} characters (this one has ${reason.length}).`);
      this.els.reason.focus();
      return;
    }
    const { run } = this.request;
    const checked = this.els.check.checked;
    this.busy = true;
    this.els.ok.disabled = true;
    this.els.ok.textContent = "Working…";
    let outcome;
    try {
      outcome = { text: await run(reason, checked), kind: "success" };
    } catch (err) {
      outcome = { text: `Not done: ${err.message}`, kind: "error" };
    }
    this.busy = false;
    this.close();
    this.announce(outcome.text, outcome.kind);
    await this.after();
    this.restoreFocus();
  }

  close() {
    if (this.dialog.open) this.dialog.close();
  }

  /** Back to the button that opened the dialog; if a refresh replaced it, to its section. */
  restoreFocus() {
    if (this.dialog.open || this.busy) return;
    const opener = this.opener;
    const target = opener?.isConnected && opener.checkVisibility() ? opener : document.querySelector(".tab-panel:not([hidden]) .section-heading");
    // Nothing when the console itself is gone (a 401 signed the tab out meanwhile).
    if (target?.checkVisibility()) target.focus();
  }
}

// The voice coach panel: trigger buttons and the phrase/window settings form.

import { splitPhrases } from "./format.js";
import { DEFAULT_COACH, checkCoach } from "./prefs.js";
import { TRIGGERS } from "./protocol.js";

const $ = (id) => document.getElementById(id);

export class CoachPanel {
  /**
   * @param {{onTrigger: (name: string) => void, onApply: (settings: object) => void}} handlers
   */
  constructor({ onTrigger, onApply }) {
    this.section = $("coach");
    this.status = $("coach-status");
    this.fields = {
      quick_phrases: $("coach-quick-phrases"),
      full_phrases: $("coach-full-phrases"),
      interrupt_phrases: $("coach-interrupt-phrases"),
      quick_window: $("coach-quick-window"),
      full_window: $("coach-full-window"),
    };
    $("coach-quick").addEventListener("click", () => onTrigger(TRIGGERS.quickHint));
    $("coach-full").addEventListener("click", () => onTrigger(TRIGGERS.fullGuidance));
    $("coach-stop").addEventListener("click", () => onTrigger(TRIGGERS.interrupt));
    $("coach-reset").addEventListener("click", () => this.fill(DEFAULT_COACH));
    $("coach-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const settings = this.read();
      if (settings) onApply(settings);
    });
    this.fill(DEFAULT_COACH);
  }

  /** Show or hide the panel (only the voice coach scenario has triggers). */
  show(visible) {
    this.section.hidden = !visible;
  }

  /** Put settings into the form. */
  fill(settings) {
    for (const key of ["quick_phrases", "full_phrases", "interrupt_phrases"]) {
      this.fields[key].value = settings[key].join(", ");
    }
    this.fields.quick_window.value = String(settings.quick_window);
    this.fields.full_window.value = String(settings.full_window);
  }

  /** The form's settings, or null (with the reason shown) when a field is not valid. */
  read() {
    const settings = checkCoach({
      quick_phrases: splitPhrases(this.fields.quick_phrases.value),
      full_phrases: splitPhrases(this.fields.full_phrases.value),
      interrupt_phrases: splitPhrases(this.fields.interrupt_phrases.value),
      quick_window: Number(this.fields.quick_window.value),
      full_window: Number(this.fields.full_window.value),
    });
    this.setStatus(
      settings ? "" : "Each trigger needs at least one phrase; windows are 1 to 100 messages.",
    );
    return settings;
  }

  setStatus(text) {
    this.status.textContent = text;
  }
}

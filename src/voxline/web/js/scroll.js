// Keeps a scrolling list pinned to its newest entry unless the reader scrolled up.
// Appends never read layout (no forced reflow per entry): one scroll per animation frame.

export class StickToBottom {
  /** @param {HTMLElement | null} box the scrolling container */
  constructor(box, slackPx = 60) {
    this.box = box;
    this.atBottom = true;
    this.pending = false;
    box?.addEventListener("scroll", () => {
      this.atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < slackPx;
    });
  }

  /** Call after appending: scrolls to the end on the next frame if the reader was there. */
  changed() {
    if (!this.box || !this.atBottom || this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.box.scrollTop = this.box.scrollHeight;
    });
  }
}

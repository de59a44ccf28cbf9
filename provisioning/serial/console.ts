/**
 * The raw console view (`3os-flash serial console`): shows what the device prints, as it
 * arrives, but hides protocol frames. A line is held back only while it could still become a
 * frame (it starts with a prefix of "@3OS"), so prompts without a newline show at once.
 */
import { MAGIC } from './frame.js';

export class ConsoleFilter {
  private line = '';
  private shown = 0;

  /** Feed received text; returns the text to print now. */
  public push(chunk: string): string {
    let out = '';
    for (const ch of chunk) {
      this.line += ch;
      if (ch === '\n') {
        if (!this.isFrame()) out += this.line.slice(this.shown);
        this.line = '';
        this.shown = 0;
      }
    }
    if (this.line !== '' && !this.maybeFrame()) {
      out += this.line.slice(this.shown);
      this.shown = this.line.length;
    }
    return out;
  }

  private isFrame(): boolean {
    return this.line.startsWith(MAGIC) && this.shown === 0;
  }

  private maybeFrame(): boolean {
    if (this.shown > 0) return false;
    const n = Math.min(this.line.length, MAGIC.length);
    return this.line.slice(0, n) === MAGIC.slice(0, n);
  }
}

/**
 * Turns a byte stream into lines for the frame parser: keeps partial lines across chunks,
 * accepts LF or CRLF, and drops absurdly long lines (a stuck line of garbage must not grow
 * memory without bound). Pure code.
 */
export class LineSplitter {
  private partial = '';

  public constructor(private readonly maxLine = 1 << 20) {}

  /** Feed bytes; returns the complete lines they finish (without line endings). */
  public push(chunk: Buffer | string): string[] {
    const text = this.partial + (typeof chunk === 'string' ? chunk : chunk.toString('latin1'));
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > this.maxLine) this.partial = '';
    return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)).filter((l) => l.length <= this.maxLine);
  }

  /** The line being received (no newline yet). */
  public pending(): string {
    return this.partial;
  }
}

// Readable wire bytes for test cases: hex digits with whitespace and `#` comments.

/**
 * Builds a Buffer from a hex template: whitespace is ignored, `#` starts a comment that runs to the
 * end of the line, and interpolated numbers become one byte each (0-255).
 */
export function hex(strings: TemplateStringsArray, ...values: number[]): Buffer {
  let text = '';
  for (let i = 0; i < strings.length; i++) {
    text += stripComments(strings.raw[i] ?? '');
    const value = values[i];
    if (value !== undefined) {
      if (!Number.isInteger(value) || value < 0 || value > 255) throw new RangeError(`hex: ${value} is not a byte`);
      text += value.toString(16).padStart(2, '0');
    }
  }
  if (!/^[0-9a-fA-F]*$/.test(text) || text.length % 2 !== 0) throw new SyntaxError(`hex: not an even run of hex digits: ${text}`);
  return Buffer.from(text, 'hex');
}

// Removes `# ...` comments line by line, then all whitespace.
function stripComments(raw: string): string {
  return raw
    .split('\n')
    .map((line) => {
      const hash = line.indexOf('#');
      return hash === -1 ? line : line.slice(0, hash);
    })
    .join('')
    .replace(/\s+/g, '');
}

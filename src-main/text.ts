/** Character checks on untrusted text that any folder may use (one definition of "control character"). */

/** A C0 control character or DEL (U+0000–U+001F, U+007F). */
export function isControlCode(code: number): boolean {
  return code < 0x20 || code === 0x7f;
}

/** True when `s` holds a control character (see isControlCode). */
export function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (isControlCode(s.charCodeAt(i))) return true;
  return false;
}

/** `s` with each run of control characters replaced by one space (for showing untrusted text). */
export function controlCharsToSpace(s: string): string {
  let out = '';
  let inRun = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isControlCode(c)) {
      if (!inRun) out += ' ';
      inRun = true;
    } else {
      out += s.charAt(i);
      inRun = false;
    }
  }
  return out;
}

/** True when every character of `s` is ASCII (U+0000–U+007F). */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

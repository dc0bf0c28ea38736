/**
 * `WWW-Authenticate` parsing (RFC 9110 §11.6.1): one or more challenges, each a scheme followed by
 * comma-separated `name=value` auth-params, values as tokens or quoted strings. Registries send
 * `Bearer realm="…",service="…",scope="…"` (token auth) or `Basic realm="…"`.
 */
export interface Challenge {
  /** Lower case: 'bearer', 'basic', … */
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]+/y;

/** All challenges in a header value; malformed trailing parts are ignored, never thrown. */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  if (!header) return [];
  const s = header.slice(0, 8192);
  const out: Challenge[] = [];
  let i = 0;
  const ws = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  const token = (): string | undefined => {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(s);
    if (!m) return undefined;
    i += m[0].length;
    return m[0];
  };
  const quoted = (): string | undefined => {
    if (s[i] !== '"') return undefined;
    i++;
    let v = '';
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++;
      v += s.charAt(i);
      i++;
    }
    if (s[i] !== '"') return undefined;
    i++;
    return v;
  };
  let current: Challenge | undefined;
  while (i < s.length) {
    ws();
    if (s[i] === ',') {
      i++;
      continue;
    }
    const name = token();
    if (name === undefined) break;
    ws();
    if (s[i] === '=' && current) {
      // an auth-param of the current challenge
      i++;
      ws();
      const value = quoted() ?? token();
      if (value === undefined) break;
      current.params[name.toLowerCase()] = value;
      continue;
    }
    // a token not followed by '=' starts the next challenge
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
  }
  return out;
}

// The operator's checks on credential values (src/packs/validate.cpp), with its messages, so
// that the form shows the same errors before anything is sent. Lengths are in UTF-8 bytes, as
// the operator counts them. tests/dashboard/validate_cases.json is checked against both.

export interface PackField {
  name: string;
  label: string;
  description: string;
  required: boolean;
  secret: boolean;
  format: '' | 'email' | 'url';
}

const utf8 = new TextEncoder();
const byteLength = (text: string) => utf8.encode(text).length;
const isSpaceOrControl = (text: string) => /[\u0000-\u0020\u007f]/.test(text);

function isDomainLabel(label: string): boolean {
  if (label === '' || byteLength(label) > 63 || label.startsWith('-') || label.endsWith('-')) return false;
  return /^[A-Za-z0-9\-\u0080-\uffff]+$/.test(label);
}

export function isValidEmail(text: string): boolean {
  if (byteLength(text) > 254 || isSpaceOrControl(text)) return false;
  const at = text.indexOf('@');
  if (at <= 0 || text.indexOf('@', at + 1) !== -1) return false;
  if (byteLength(text.slice(0, at)) > 64) return false;
  const domain = text.slice(at + 1);
  if (!domain.includes('.')) return false;
  return domain.split('.').every(isDomainLabel);
}

// RFC 3986 absolute URI (a fragment allowed), scheme http or https, an authority with a host.
const uriChars = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;
export function isValidUrl(text: string): boolean {
  if (text === '' || isSpaceOrControl(text) || !uriChars.test(text)) return false;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/.exec(text);
  if (!m) return false;
  const scheme = m[1].toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return false;
  if ((m[5] ?? '').slice(1).includes('#')) return false;
  let authority = m[2];
  const at = authority.lastIndexOf('@');
  if (at !== -1) {
    if (authority.slice(0, at).includes('@') || /[[\]]/.test(authority.slice(0, at))) return false;
    authority = authority.slice(at + 1);
  }
  let host = authority;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1) return false;
    host = authority.slice(0, close + 1);
    const rest = authority.slice(close + 1);
    if (rest !== '' && !/^:[0-9]*$/.test(rest)) return false;
  } else {
    // Boost.URL, which the operator uses, does not require the port to be digits.
    const colon = authority.indexOf(':');
    if (colon !== -1) host = authority.slice(0, colon);
    if (/[[\]:]/.test(host)) return false;
  }
  return host !== '';
}

// The operator's problem for one value, or '' when it passes ("is missing", "is not a valid
// email address", "is not a valid http(s) URL with a host").
export function fieldProblem(field: PackField, value: string): string {
  if (value === '') return field.required ? 'is missing' : '';
  if (field.format === 'email' && !isValidEmail(value)) return 'is not a valid email address';
  if (field.format === 'url' && !isValidUrl(value)) return 'is not a valid http(s) URL with a host';
  return '';
}

export const isDns1123Label = (text: string) => /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(text);
export const isDns1123Subdomain = (text: string) =>
  text.length <= 253 && text.split('.').every(isDns1123Label);

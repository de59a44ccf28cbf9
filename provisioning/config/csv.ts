/**
 * RFC 4180 CSV for batch overrides: comma-separated, fields optionally in double quotes with
 * `""` for a quote, quoted fields may span lines; CRLF or LF line ends; a UTF-8 BOM is ignored.
 */
import { configInvalid, type ConfigIssue } from './issues.js';

/** Parse CSV text into rows of fields. Throws E_CONFIG_INVALID for malformed quoting. */
export function parseCsv(text: string): string[][] {
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const rows: string[][] = [];
  const issues: ConfigIssue[] = [];
  let row: string[] = [];
  let field = '';
  let line = 1;
  let i = 0;
  let atFieldStart = true;
  const endField = (): void => {
    row.push(field);
    field = '';
    atFieldStart = true;
  };
  const endRow = (): void => {
    endField();
    rows.push(row);
    row = [];
  };
  while (i < s.length) {
    const c = s[i];
    if (atFieldStart && c === '"') {
      const startLine = line;
      i++;
      let closed = false;
      while (i < s.length) {
        const q = s[i];
        if (q === '"' && s[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (q === '"') {
          closed = true;
          i++;
          break;
        } else {
          if (q === '\n') line++;
          field += q;
          i++;
        }
      }
      if (!closed) {
        issues.push({ path: [], message: `CSV line ${startLine}: quoted field is never closed` });
        break;
      }
      const next = s[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        issues.push({ path: [], message: `CSV line ${line}: text after a closing quote (write "" for a quote inside a quoted field)` });
        while (i < s.length && s[i] !== ',' && s[i] !== '\n') i++;
      }
      atFieldStart = false;
      continue;
    }
    if (c === ',') {
      endField();
      i++;
    } else if (c === '\r' && s[i + 1] === '\n') {
      endRow();
      line++;
      i += 2;
    } else if (c === '\n') {
      endRow();
      line++;
      i++;
    } else {
      if (c === '"') issues.push({ path: [], message: `CSV line ${line}: a quote inside an unquoted field (quote the whole field)` });
      field += c;
      atFieldStart = false;
      i++;
    }
  }
  if (!atFieldStart || row.length > 0 || field !== '') endRow();
  if (issues.length > 0) throw configInvalid(issues, 'CSV');
  // An empty line is not a record (RFC 4180 has none; editors leave them at the end).
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

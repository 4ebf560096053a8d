// Output: JSON (--json, one document on stdout) or an aligned text table.
export type Row = Record<string, unknown>;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (v instanceof Date) return v.toISOString().replace('T', ' ').slice(0, 19);
  if (Array.isArray(v)) return v.length ? v.join(',') : '-';
  return String(v);
}

export function table(rows: readonly Row[], columns: readonly string[]): string {
  const data = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...data.map((d) => d[i].length)));
  const line = (cells: string[]): string => cells.map((s, i) => s.padEnd(widths[i])).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...data.map(line)].join('\n') + '\n';
}

export interface Output {
  json: boolean;
  /** A list of records. */
  list(rows: readonly Row[], columns: readonly string[]): void;
  /** One record, with an optional note for humans (e.g. a password shown once). */
  one(row: Row, columns: readonly string[], note?: string): void;
  done(message: string): void;
}

export function output(json: boolean, write: (s: string) => void = (s) => process.stdout.write(s)): Output {
  return {
    json,
    list: (rows, columns) => write(json ? JSON.stringify(rows, null, 2) + '\n' : table(rows, columns)),
    one: (row, columns, note) => {
      if (json) { write(JSON.stringify(row, null, 2) + '\n'); return; }
      write(table([row], columns));
      if (note) write(`${note}\n`);
    },
    done: (message) => write(json ? JSON.stringify({ ok: true, message }) + '\n' : `${message}\n`),
  };
}

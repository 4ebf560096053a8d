// Config templates (coturn/, rtpengine/, sip-config/ at the repository root) with {{name}}
// placeholders, rendered into <dataDir>/conf/. A placeholder without a value is an error, so a
// template and its caller cannot drift apart silently.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StackError } from './errors';

export function renderTemplate(text: string, vars: Readonly<Record<string, string | number>>, name = 'template'): string {
  return text.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_m, key: string) => {
    const v = vars[key];
    if (v === undefined) throw new StackError(`${name}: no value for placeholder {{${key}}}`);
    return String(v);
  });
}

/** Render <rootDir>/<templatePath> to <outDir>/<outName> (mode 0600: it may hold secrets). */
export function renderTemplateFile(rootDir: string, templatePath: string, outFile: string,
  vars: Readonly<Record<string, string | number>>): string {
  const src = path.join(rootDir, templatePath);
  let text: string;
  try {
    text = fs.readFileSync(src, 'utf8');
  } catch {
    throw new StackError(`template ${templatePath} is missing from ${rootDir}; is this a complete checkout?`);
  }
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, renderTemplate(text, vars, templatePath), { mode: 0o600 });
  fs.chmodSync(outFile, 0o600);
  return outFile;
}

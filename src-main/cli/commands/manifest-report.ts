import type { Finding, ValidationReport } from '../../manifest/index.js';

/** The findings as text: errors first, each with its pointer and hint. Shared by init and validate. */
export function renderFindings(report: Pick<ValidationReport, 'errors' | 'warnings'>): string[] {
  const lines: string[] = [];
  const one = (level: string, f: Finding) => {
    lines.push(`  ${level.padEnd(7)} ${f.pointer || '/'}  ${f.message}`);
    if (f.hint) lines.push(`          hint: ${f.hint}`);
  };
  for (const e of report.errors) one('error', e);
  for (const w of report.warnings) one('warning', w);
  return lines;
}

export function countLine(report: Pick<ValidationReport, 'errors' | 'warnings'>): string {
  const n = (k: number, w: string) => `${k} ${w}${k === 1 ? '' : 's'}`;
  return `${n(report.errors.length, 'error')}, ${n(report.warnings.length, 'warning')}`;
}

/** The Recent menu: the last few model files opened, kept in the app's userData folder. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MAX = 8;

export class RecentFiles {
  private items: string[];

  constructor(private readonly userData: string) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.file, 'utf8'));
      this.items = Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string').slice(0, MAX) : [];
    } catch {
      this.items = [];
    }
  }

  private get file(): string {
    return join(this.userData, 'recent.json');
  }

  list(): string[] {
    return [...this.items];
  }

  add(path: string): void {
    this.items = [path, ...this.items.filter((p) => p !== path)].slice(0, MAX);
    try {
      writeFileSync(this.file, JSON.stringify(this.items));
    } catch {
      // Losing the recent list is not worth bothering the user about.
    }
  }
}

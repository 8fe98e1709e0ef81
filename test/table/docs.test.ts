import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const tableLines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.replace(/^ \* ?/, ''))
    .filter((l) => l.startsWith('|'));

it('docs/table-format.md shows the same byte layout as src/table/format.ts', () => {
  const module = readFileSync(new URL('../../src/table/format.ts', import.meta.url), 'utf8');
  const doc = readFileSync(new URL('../../docs/table-format.md', import.meta.url), 'utf8');
  const header = module.slice(0, module.indexOf('*/'));
  const docLayout = doc.slice(doc.indexOf('## Byte layout'), doc.indexOf('## How a lookup works'));
  expect(tableLines(header).length).toBeGreaterThan(20);
  expect(tableLines(docLayout)).toEqual(tableLines(header));
});

/** Rows of cells as lines, each column as wide as its widest cell and two spaces apart, so that no value runs into the next. */
export function alignedColumns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]! + 2))).join(''));
}

// Splits a list into consecutive slices of at most `size` items: batch limits
// of the contracts (100 ids), of Lua calls and of Redis scripts.
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

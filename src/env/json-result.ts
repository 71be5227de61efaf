// A handler's result must be a plain JSON object: it crosses a process boundary as JSON and reaches
// the agent as JSON, so anything JSON would change or lose (a Date, a Map, NaN, a BigInt, a cycle)
// is the handler's bug, named by its path. Properties whose value is undefined are dropped, as
// JSON.stringify drops them; an undefined inside an array is not (JSON would turn it into null).

/** Where and why `value` is not a plain JSON object, or null when it is. */
export function jsonObjectProblem(value: unknown): string | null {
  if (!isPlainObject(value)) return `the result is ${describe(value)}, not a JSON object`;
  return problemAt(value, '', new Set());
}

function problemAt(value: unknown, path: string, ancestors: Set<object>): string | null {
  const at = path === '' ? 'the result' : path;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `${at} is ${value}, which JSON cannot hold`;
    case 'object': {
      if (value === null) return null;
      if (ancestors.has(value)) return `${at} refers back to an object that contains it`;
      if (!Array.isArray(value) && !isPlainObject(value)) return `${at} is ${describe(value)}`;
      ancestors.add(value);
      const entries: [string, unknown][] = Array.isArray(value)
        ? value.map((item, index) => [String(index), item])
        : Object.entries(value).filter(([, item]) => item !== undefined);
      for (const [key, item] of entries) {
        const problem = problemAt(item, `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, ancestors);
        if (problem !== null) return problem;
      }
      ancestors.delete(value);
      return null;
    }
    default:
      return `${at} is ${describe(value)}`;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
    return typeof (value as { then?: unknown }).then === 'function' ? 'a Promise' : `a ${name ?? 'non-plain'} object`;
  }
  if (typeof value === 'undefined') return 'undefined';
  return `a ${typeof value}`;
}

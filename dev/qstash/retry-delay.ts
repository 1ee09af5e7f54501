// Upstash-Retry-Delay is user input evaluated on every retry, so it is parsed into a tiny AST
// by hand: numbers, `retried`, + - * / % ^, parentheses and a fixed set of math functions.
type Fn = (retried: number) => number;

const FUNCS: Record<string, { arity: [number, number]; f: (...a: number[]) => number }> = {
  pow: { arity: [2, 2], f: Math.pow },
  sqrt: { arity: [1, 1], f: Math.sqrt },
  abs: { arity: [1, 1], f: Math.abs },
  exp: { arity: [1, 1], f: Math.exp },
  floor: { arity: [1, 1], f: Math.floor },
  ceil: { arity: [1, 1], f: Math.ceil },
  round: { arity: [1, 1], f: Math.round },
  min: { arity: [1, 16], f: Math.min },
  max: { arity: [1, 16], f: Math.max },
};

const TOKEN = /\s*(?:(\d+(?:\.\d+)?(?:e[+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(.))/y;

export function compileRetryDelay(expr: string): Fn {
  if (expr.length > 512) throw new Error("retry delay expression too long");
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  for (;;) {
    const start = TOKEN.lastIndex;
    if (expr.slice(start).trim() === "") break;
    const m = TOKEN.exec(expr);
    if (!m) throw new Error("invalid retry delay expression");
    const tok = m[1] ?? m[2] ?? m[3];
    if (m[3] !== undefined && !"+-*/%^(),".includes(m[3])) throw new Error(`unexpected character '${m[3]}' in retry delay expression`);
    tokens.push(tok);
  }
  let i = 0;
  let depth = 0;
  const peek = () => tokens[i];
  const take = (t?: string) => {
    const tok = tokens[i];
    if (t !== undefined && tok !== t) throw new Error(`expected '${t}' in retry delay expression`);
    i++;
    return tok;
  };

  const expression = (): Fn => {
    if (++depth > 64) throw new Error("retry delay expression nested too deeply");
    let left = term();
    while (peek() === "+" || peek() === "-") {
      const op = take();
      const l = left,
        r = term();
      left = op === "+" ? (x) => l(x) + r(x) : (x) => l(x) - r(x);
    }
    depth--;
    return left;
  };
  const term = (): Fn => {
    let left = unary();
    while (peek() === "*" || peek() === "/" || peek() === "%") {
      const op = take();
      const l = left,
        r = unary();
      left = op === "*" ? (x) => l(x) * r(x) : op === "/" ? (x) => l(x) / r(x) : (x) => l(x) % r(x);
    }
    return left;
  };
  const unary = (): Fn => {
    if (peek() === "-") {
      take();
      const v = unary();
      return (x) => -v(x);
    }
    if (peek() === "+") {
      take();
      return unary();
    }
    return power();
  };
  const power = (): Fn => {
    const base = primary();
    if (peek() === "^") {
      take();
      const e = unary();
      return (x) => base(x) ** e(x);
    }
    return base;
  };
  const primary = (): Fn => {
    const tok = take();
    if (tok === undefined) throw new Error("unexpected end of retry delay expression");
    if (tok === "(") {
      const inner = expression();
      take(")");
      return inner;
    }
    if (/^\d/.test(tok)) {
      const n = Number(tok);
      return () => n;
    }
    if (tok === "retried") return (x) => x;
    const fn = FUNCS[tok];
    if (!fn) throw new Error(`unknown identifier '${tok}' in retry delay expression`);
    take("(");
    const args: Fn[] = [];
    if (peek() !== ")") {
      args.push(expression());
      while (peek() === ",") {
        take();
        args.push(expression());
      }
    }
    take(")");
    if (args.length < fn.arity[0] || args.length > fn.arity[1]) throw new Error(`wrong number of arguments to ${tok}`);
    return (x) => fn.f(...args.map((a) => a(x)));
  };

  const fn = expression();
  if (i !== tokens.length) throw new Error(`unexpected '${tokens[i]}' in retry delay expression`);
  return fn;
}

const cache = new Map<string, Fn>();

/** Delay in ms before the retry that follows `retried` previous retries. */
export function evalRetryDelay(expr: string, retried: number): number {
  let fn = cache.get(expr);
  if (!fn) {
    fn = compileRetryDelay(expr);
    if (cache.size > 1000) cache.clear();
    cache.set(expr, fn);
  }
  const v = fn(retried);
  if (!Number.isFinite(v) || v < 0) return 0;
  return Math.min(v, 86_400_000);
}

/** QStash default: min(86400, e^(2.5·n)) seconds before the n-th retry (n ≥ 1). */
export function defaultBackoffMs(n: number): number {
  return Math.min(86_400, Math.exp(2.5 * n)) * 1000;
}

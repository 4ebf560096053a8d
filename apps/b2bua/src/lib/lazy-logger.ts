// A child logger built only when something is logged at an enabled level: pino's child()
// serialises its bindings up front, a cost a call would pay twice (Call-ID, session) for logs that
// are mostly disabled in production.
import type { Logger } from '@openline/log';

const noop = (): void => undefined;

export function lazyChild(logger: Logger, bindings: Record<string, string>): Logger {
  let child: Logger | undefined;
  return new Proxy(logger, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in target.levels.values && !target.isLevelEnabled(prop)) return noop;
      if (prop === 'child') return (b: Record<string, string>) => lazyChild(child ?? target, { ...(child ? {} : bindings), ...b });
      child ??= target.child(bindings);
      return Reflect.get(child, prop);
    },
  });
}

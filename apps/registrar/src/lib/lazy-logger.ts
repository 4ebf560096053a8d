// A child logger (with the request's Call-ID) created only when something is actually logged:
// pino's child() serialises its bindings up front, a cost paid per request otherwise.
import type { Logger } from '@openline/log';

const noop = (): void => undefined;

export function lazyChild(logger: Logger, bindings: Record<string, string>): Logger {
  let child: Logger | undefined;
  return new Proxy(logger, {
    get(target, prop) {
      // Disabled levels answer a no-op without building the child (pino does the same inside).
      if (typeof prop === 'string' && prop in target.levels.values && !target.isLevelEnabled(prop)) return noop;
      child ??= target.child(bindings);
      return Reflect.get(child, prop);
    },
  });
}

// Root hooks shared by every suite: the shared stack is started lazily by the suites that need it
// (see test/support/stack.ts) and stopped once, after the whole run.
import { stopSharedStack } from './stack';

export const mochaHooks = {
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(30000);
    await stopSharedStack();
  },
};

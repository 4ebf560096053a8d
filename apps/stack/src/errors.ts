// A stack failure the operator can act on: one line naming the cause and what to do.
export class StackError extends Error {
  constructor(message: string) {
    super(message.startsWith('stack: ') ? message : `stack: ${message}`);
    this.name = 'StackError';
  }
}

// One error type for the chat API helpers; apps/api maps the code to an HTTP status.
export type ChatErrorCode = 'invalid' | 'not_found' | 'forbidden' | 'limit' | 'conflict';

export class ChatError extends Error {
  constructor(readonly code: ChatErrorCode, message: string) {
    super(message);
    this.name = 'ChatError';
  }
}

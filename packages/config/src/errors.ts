// One error type for every configuration problem; its message is one line that names the key.
export class ConfigError extends Error {
  constructor(message: string) {
    super(message.startsWith('config: ') ? message : `config: ${message}`);
    this.name = 'ConfigError';
  }
}

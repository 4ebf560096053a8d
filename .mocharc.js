// One mocha run covers unit specs and integration suites, so the summary line is the total.
// Specs run from the TypeScript sources through tsx (fixtures resolve beside them); `make build`
// (tsc -b) type-checks everything and builds the binaries the integration suites start.
module.exports = {
  spec: [
    'packages/*/test/**/*.spec.ts',
    'apps/*/test/**/*.spec.ts',
    'test/**/*.test.ts',
  ],
  ignore: ['**/node_modules/**', '**/dist/**'],
  require: ['tsx/cjs', 'test/support/root-hooks.ts'],
  reporter: 'scripts/summary-reporter.js',
  timeout: 20000,
  exit: true,
  forbidOnly: true,
  forbidPending: true,
};

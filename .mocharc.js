// One mocha run covers unit specs and integration suites, so the summary line is the total.
module.exports = {
  spec: [
    'packages/*/dist/test/**/*.spec.js',
    'apps/*/dist/test/**/*.spec.js',
    'test/dist/**/*.test.js',
  ],
  require: ['test/dist/support/root-hooks.js'],
  reporter: 'scripts/summary-reporter.js',
  timeout: 20000,
  exit: true,
  forbidOnly: true,
  forbidPending: true,
};

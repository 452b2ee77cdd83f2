/**
 * Jest runs the TypeScript sources directly (transpile only; `npm run typecheck` checks types).
 * Three projects: `unit` (pure modules, handlers with mocks or an in-process engine) for fast feedback,
 * `infra` (CDK synthesis: template assertions, cdk-nag, the template validator; about half the CPU of the
 * former unit project), and `integration` (the sandbox, local engines in child processes, the browser,
 * the CLI, soak). `npm test` runs all three; `npm run test:unit`, `test:infra` and `test:integration` one each.
 */
const INTEGRATION = [
  '<rootDir>/test/agent-api/authorization.test.ts',
  '<rootDir>/test/agent-api/finance-access.test.ts',
  '<rootDir>/test/agent-api/session-lifecycle.test.ts',
  '<rootDir>/test/audit/session-trail.test.ts',
  '<rootDir>/test/cli/',
  '<rootDir>/test/e2e/',
  '<rootDir>/test/fuzz/agent-api.fuzz.test.ts',
  '<rootDir>/test/sandbox/',
  '<rootDir>/test/soak/',
  '<rootDir>/test/web/console-build.test.ts',
];

const INFRA = ['<rootDir>/test/infra/'];

const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.[tj]s$': [
      'ts-jest',
      { tsconfig: { isolatedModules: true, module: 'commonjs', moduleResolution: 'node10', allowJs: true, esModuleInterop: true, target: 'ES2022' } },
    ],
  },
  // middy 6 ships ESM only: let ts-jest turn it into CommonJS for jest's module system.
  transformIgnorePatterns: ['/node_modules/(?!@middy/)'],
  setupFiles: ['<rootDir>/test/setup/polyfills.ts'],
};

const escape = (path) => path.replace('<rootDir>', '<rootDir>').replace(/[.]/g, '\\.');

module.exports = {
  testTimeout: 30000,
  // One temporary directory for the whole run, removed at its end (test/setup/temp-root.js).
  globalSetup: '<rootDir>/test/setup/temp-root.js',
  globalTeardown: '<rootDir>/test/setup/temp-root-teardown.js',
  projects: [
    { ...shared, displayName: 'unit', testPathIgnorePatterns: ['/node_modules/', ...INTEGRATION.map(escape), ...INFRA.map(escape)] },
    { ...shared, displayName: 'infra', testMatch: INFRA.map((p) => `${p}**/*.test.ts`) },
    { ...shared, displayName: 'integration', testMatch: INTEGRATION.map((p) => (p.endsWith('/') ? `${p}**/*.test.ts` : p)) },
  ],
};

/**
 * Import direction: engines ← control plane ← entry points (README "Layout"). `npm run lint:deps` checks it; it is
 * the first step of `npm test`. Paths are resolved files, so `../../x` and `../x` spellings cannot slip past a rule.
 * Type-only imports count too: a type from the wrong side is still a dependency on it.
 */
const EXTERNAL = ['node_modules/']; // npm packages; Node built-ins are excluded by dependency type below

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'worker-imports-only-worker',
      comment: 'worker/ (engines, ports, adapters, core) is the bottom layer: it knows no control plane, entry point, CDK or console.',
      severity: 'error',
      from: { path: '^worker/' },
      to: { pathNot: ['^worker/', ...EXTERNAL], dependencyTypesNot: ['core'] },
    },
    {
      name: 'params-schema-is-the-bottom',
      comment: 'worker/params/ (the task-parameter schema) is read by every layer, so it imports nothing but itself.',
      severity: 'error',
      from: { path: '^worker/params/' },
      to: { pathNot: ['^worker/params/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'engines-import-ports-not-adapters',
      comment: 'Engines (worker/s3, worker/ecr) and the ports and core they share talk to ports; the entry points compose adapters.',
      severity: 'error',
      from: { path: '^worker/(s3|ecr|ports|core)/' },
      to: { path: '^worker/adapters/' },
    },
    {
      name: 'control-plane-core-imports-only-worker',
      comment: 'control-plane/core/ is policy: it talks to worker/ and its own ports, never to an adapter set (aws/, local/).',
      severity: 'error',
      from: { path: '^control-plane/core/' },
      to: { pathNot: ['^worker/', '^control-plane/core/', ...EXTERNAL], dependencyTypesNot: ['core'] },
    },
    {
      name: 'control-plane-aws-not-local',
      comment: 'The cloud control plane must not bundle the local hub (SQLite, HTTP server) into its Lambdas.',
      severity: 'error',
      from: { path: '^control-plane/aws/' },
      to: { path: '^control-plane/local/' },
    },
    {
      name: 'control-plane-local-not-aws',
      comment: 'The local hub runs without AWS control-plane adapters.',
      severity: 'error',
      from: { path: '^control-plane/local/' },
      to: { path: '^control-plane/aws/' },
    },
    {
      name: 'control-plane-not-entry-points',
      comment: 'The control plane is used by entry points, never the other way round.',
      severity: 'error',
      from: { path: '^control-plane/' },
      to: { path: '^(cli|bin|lib|plugins|portal)/' },
    },
    {
      name: 'plugin-runtime-imports-only-worker',
      comment: 'Plugin runtime code (a Lambda next to its plugin) uses the engines and its own folder only.',
      severity: 'error',
      from: { path: '^plugins/([^/]+)/runtime/' },
      to: { pathNot: ['^worker/', '^plugins/$1/runtime/', ...EXTERNAL], dependencyTypesNot: ['core'] },
    },
    {
      name: 'only-bin-and-tests-import-cli',
      comment: 'cli/ is the `dth` entry point; nothing builds on it except bin/dth.mjs and the tests.',
      severity: 'error',
      from: { pathNot: '^(cli|bin|test)/' },
      to: { path: '^cli/' },
    },
    {
      name: 'only-portal-imports-portal',
      comment: 'The console is a leaf (its tests may import it).',
      severity: 'error',
      from: { pathNot: '^(portal|test)/' },
      to: { path: '^portal/' },
    },
    {
      name: 'api-reachable-file-reads-are-audited',
      comment:
        'No task parameter may make the hub or a Lambda read a local file. Code the API can reach opens files only in '
        + 'these modules, each audited (test/reliability/api-local-files.test.ts lists where every path comes from). A new '
        + 'file read there must take its path from the install, the data directory or a fresh temporary directory — never '
        + 'from a parameter — and join this list with that reason.',
      severity: 'error',
      from: {
        path: '^(control-plane|worker|plugins/[^/]+/runtime)/',
        pathNot: [
          '^control-plane/local/(graphql-endpoint|http-server|static-files|repo-files|data-dir|data-dir-lock|hub-database|disk-space)[.]ts$',
          '^worker/adapters/embedded/(sqlite-database|file-secret-store)[.]ts$',
          '^worker/adapters/aws/cloud-role[.]ts$', // TASK_PARAMS_FILE: the role's environment, set by the plugin stack
          '^worker/adapters/aws/ssm-task-params[.]ts$', // TASK_PARAMS_FILE too: same environment contract as cloud-role
          '^worker/ecr/skopeo[.]ts$', // auth, image list and digest files in a fresh mkdtemp directory
          '^worker/ecr/private-temp-dir[.]ts$', // those directories: made, and swept by name (dth-<use>-<dead pid>-) in the system temp dir
          '^worker/core/process-liveness[.]ts$', // /proc/<pid>/stat of a lock's holder: the path is a process id
        ],
      },
      to: { path: '^(node:)?fs(/promises)?$', dependencyTypes: ['core'] },
    },
    {
      name: 'no-unresolvable-relative-import',
      comment: 'A relative import that resolves to nothing would hide a dependency from every rule above.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, dependencyTypes: ['local'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|cdk\\.out|test-output)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.tsx', '.mts', '.js', '.mjs', '.cjs', '.json'],
      // package.json "exports" read as Node reads them: a package with no "main" (proxy-agent) resolves.
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};

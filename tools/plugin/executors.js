// What executors.json points at ("./executors.js#<name>"): each executor's default export, bundled on first use (./loader.js).
'use strict';

const { join } = require('node:path');
const { load } = require('./loader');

// Getters, so a task compiles and loads only the executor it runs.
const executor = (name, file = 'executor.ts') => ({
  enumerable: true,
  get: () => load(join(__dirname, 'src', 'executors', name, file)).default,
});

module.exports = Object.defineProperties(
  {},
  {
    build: executor('build'),
    lint: executor('lint'),
    'docker-build': executor('docker-build'),
    // Every docker-build task of a run in one process (executors.json batchImplementation).
    'docker-build-batch': executor('docker-build', 'batch.ts'),
    smoke: executor('smoke'),
    'local-root': executor('local-root'),
    'docker-push': executor('docker-push'),
  },
);
